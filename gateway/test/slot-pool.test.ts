import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SlotPool, SlotWaitAbortedError, type Lease } from '../pipeline/slot-pool.ts';

void test('tryAcquire refuses at the limit; release is idempotent and inUse follows the live leases', () => {
  const pool = new SlotPool(2);
  const a = pool.tryAcquire('a');
  const b = pool.tryAcquire('b');
  assert.ok(a && b);
  assert.equal(pool.tryAcquire('c'), undefined);
  assert.equal(pool.inUse, 2);
  assert.deepEqual(pool.holders(), ['a', 'b']);
  a.release();
  a.release();
  a.release();
  assert.equal(pool.inUse, 1, 'three releases of one lease free one slot');
  assert.equal(a.released, true);
  b.release();
  assert.equal(pool.inUse, 0);
});

void test('waiters get slots in FIFO order; an aborted waiter leaves the queue', async () => {
  const pool = new SlotPool(1);
  const first = pool.tryAcquire('first');
  assert.ok(first);
  const controller = new AbortController();
  const granted: string[] = [];
  const b = pool.acquire('b').then((lease) => (granted.push('b'), lease));
  const c = pool.acquire('c', controller.signal);
  const d = pool.acquire('d').then((lease) => (granted.push('d'), lease));
  assert.deepEqual(pool.waiting, ['b', 'c', 'd']);
  assert.equal(pool.tryAcquire('e'), undefined, 'no jumping the queue');

  controller.abort();
  await assert.rejects(c, SlotWaitAbortedError);
  assert.deepEqual(pool.waiting, ['b', 'd']);

  first.release();
  const leaseB = await b;
  assert.deepEqual(granted, ['b']);
  assert.equal(pool.inUse, 1);
  leaseB.release();
  const leaseD = await d;
  assert.deepEqual(granted, ['b', 'd']);
  leaseD.release();
  assert.equal(pool.inUse, 0);
  assert.deepEqual(pool.waiting, []);
});

void test('an already-aborted signal rejects at once; close() rejects waiters and refuses new work', async () => {
  const pool = new SlotPool(1);
  await assert.rejects(pool.acquire('x', AbortSignal.abort()), /slot wait for "x" ended: aborted/);
  const held = pool.tryAcquire('held');
  assert.ok(held);
  const waiting = pool.acquire('w');
  pool.close('shutting down');
  await assert.rejects(waiting, /slot wait for "w" ended: shutting down/);
  await assert.rejects(pool.acquire('late'), SlotWaitAbortedError);
  held.release();
  assert.equal(pool.tryAcquire('after'), undefined);
  assert.equal(pool.inUse, 0);
});

void test('rejects a limit that is not a positive integer, naming the value', () => {
  assert.throws(() => new SlotPool(0), /limit must be an integer >= 1, got 0/);
  assert.throws(() => new SlotPool(1.5), /got 1.5/);
});

void test('property: random acquire/release/abort sequences keep 0 <= inUse <= limit and inUse = unreleased grants', async () => {
  type Op = { kind: 'try' | 'wait' | 'release' | 'abort' | 'double-release'; index: number };
  const op = fc.record({ kind: fc.constantFrom('try' as const, 'wait' as const, 'release' as const, 'abort' as const, 'double-release' as const), index: fc.nat(20) });
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 60 }), async (limit, ops: Op[]) => {
      const pool = new SlotPool(limit);
      const leases: Lease[] = [];
      const waits: AbortController[] = [];
      for (const current of ops) {
        if (current.kind === 'try') {
          const lease = pool.tryAcquire(`t${current.index}`);
          if (lease) leases.push(lease);
        } else if (current.kind === 'wait') {
          const controller = new AbortController();
          waits.push(controller);
          pool.acquire(`w${current.index}`, controller.signal).then(
            (lease) => leases.push(lease),
            () => undefined,
          );
        } else if (current.kind === 'abort') {
          waits[current.index % Math.max(1, waits.length)]?.abort();
        } else {
          const lease = leases[current.index % Math.max(1, leases.length)];
          lease?.release();
          if (current.kind === 'double-release') lease?.release();
        }
        await Promise.resolve();
        await Promise.resolve();
        assert.ok(pool.inUse >= 0 && pool.inUse <= limit, `inUse ${pool.inUse} with limit ${limit}`);
        assert.equal(pool.inUse, leases.filter((lease) => !lease.released).length);
        if (pool.inUse < limit) assert.deepEqual(pool.waiting, [], 'a free slot never coexists with a waiter');
      }
      pool.close();
    }),
    { numRuns: 200 },
  );
});
