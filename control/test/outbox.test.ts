import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../common/log.ts';
import { CircuitBreaker } from '../outbox/circuit-breaker.ts';
import { Outbox, type OutboxOptions, type OutboxRecord } from '../outbox/outbox.ts';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-outbox-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function makeOutbox(dir: string, options: Partial<OutboxOptions> = {}): Outbox {
  const outbox = new Outbox({
    dir,
    logger: silentLogger(),
    memoryItems: 1000,
    diskBytes: 64 * 1024 * 1024,
    overflow: 'drop-oldest',
    fsync: 'never',
    retryInitialMs: 5,
    retryMaxMs: 20,
    sendTimeoutMs: 500,
    ...options,
  });
  outbox.open();
  return outbox;
}

/** A recording sink that can be switched between failing and working. */
function recordingSink(name = 'test') {
  const received: OutboxRecord[] = [];
  const control = { failing: false, hang: false };
  const breaker = new CircuitBreaker({ name, failureThreshold: 3, cooldownMs: 20 });
  return {
    received,
    control,
    breaker,
    options: {
      name,
      breaker,
      send: async (record: OutboxRecord) => {
        if (control.hang) await new Promise(() => undefined);
        if (control.failing) throw new Error('sink down');
        received.push(record);
      },
    },
  };
}

async function until(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

void test('delivers in order, at least once, after a sink outage; memory stays bounded', async (t) => {
  const dir = tempDir(t);
  const outbox = makeOutbox(dir, { memoryItems: 20, segmentBytes: 4096 });
  const sink = recordingSink();
  sink.control.failing = true;
  outbox.addSink(sink.options);
  for (let i = 0; i < 500; i++) assert.equal(outbox.enqueue('event', `e${i}`, { n: i }), true);
  await until(() => readdirSync(dir).some((name) => name.startsWith('seg-')));
  await until(() => outbox.memorySize <= 20);
  await until(() => sink.breaker.state !== 'closed');
  sink.control.failing = false;
  outbox.kick();
  assert.equal(await outbox.flush(10_000), true);
  assert.deepEqual(
    sink.received.map((record) => record.id),
    Array.from({ length: 500 }, (_, i) => `e${i}`),
  );
  assert.equal(sink.breaker.state, 'closed');
  await outbox.close();
  assert.ok(readdirSync(dir).filter((name) => name.startsWith('seg-')).length <= 1, 'acked segments are deleted');
});

void test('spill survives a restart: a new outbox on the same dir replays everything, then nothing twice', async (t) => {
  const dir = tempDir(t);
  const first = makeOutbox(dir, { memoryItems: 10 });
  const down = recordingSink();
  down.control.failing = true;
  first.addSink(down.options);
  for (let i = 0; i < 300; i++) first.enqueue('event', `r${i}`, { n: i });
  await first.close();

  const second = makeOutbox(dir);
  const up = recordingSink();
  second.addSink(up.options);
  assert.equal(await second.flush(10_000), true);
  assert.deepEqual(
    up.received.map((record) => record.id),
    Array.from({ length: 300 }, (_, i) => `r${i}`),
  );
  second.enqueue('event', 'after', {});
  assert.equal(await second.flush(5000), true);
  await second.close();

  const third = makeOutbox(dir);
  const again = recordingSink();
  third.addSink(again.options);
  third.enqueue('event', 'fresh', {});
  assert.equal(await third.flush(5000), true);
  assert.deepEqual(
    again.received.map((record) => record.id),
    ['fresh'],
    'acknowledged items are not redelivered after a restart',
  );
  await third.close();
});

void test('a torn last line (crash mid-write) is skipped on recovery; the rest is delivered', async (t) => {
  const dir = tempDir(t);
  const first = makeOutbox(dir);
  const down = recordingSink();
  down.control.failing = true;
  first.addSink(down.options);
  for (let i = 0; i < 5; i++) first.enqueue('event', `t${i}`, { n: i });
  await first.close();
  const segment = readdirSync(dir).find((name) => name.startsWith('seg-')) as string;
  appendFileSync(join(dir, segment), '{"s":6,"i":"t5","k":"ev');

  const second = makeOutbox(dir);
  assert.equal(second.store.tornLines, 1);
  const up = recordingSink();
  second.addSink(up.options);
  second.enqueue('event', 'next', {});
  assert.equal(await second.flush(5000), true);
  assert.deepEqual(
    up.received.map((record) => record.id),
    ['t0', 't1', 't2', 't3', 't4', 'next'],
  );
  await second.close();
});

void test('enqueue never blocks even when a sink hangs; the hung send hits its deadline', async (t) => {
  const dir = tempDir(t);
  const outbox = makeOutbox(dir, { sendTimeoutMs: 100, memoryItems: 100 });
  const sink = recordingSink();
  sink.control.hang = true;
  outbox.addSink(sink.options);
  const started = performance.now();
  for (let i = 0; i < 20_000; i++) outbox.enqueue('event', `h${i}`, { n: i });
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 2000, `20k enqueues took ${elapsed} ms`);
  await until(() => (outbox.sinkStats('test')?.failures ?? 0) >= 1, 5000);
  sink.control.hang = false;
  outbox.kick();
  assert.equal(await outbox.flush(30_000), true);
  assert.equal(sink.received.length, 20_000);
  assert.equal(new Set(sink.received.map((record) => record.id)).size, 20_000);
  await outbox.close();
});

void test('overflow drop-newest refuses and counts; drop-oldest drops whole old segments and counts', async (t) => {
  const newestDir = tempDir(t);
  const newest = makeOutbox(newestDir, { diskBytes: 4096, overflow: 'drop-newest', memoryItems: 5 });
  const sink = recordingSink('n');
  sink.control.failing = true;
  newest.addSink(sink.options);
  let refused = 0;
  for (let i = 0; i < 200; i++) if (!newest.enqueue('event', `n${i}`, { pad: 'x'.repeat(50) })) refused++;
  assert.ok(refused > 0);
  assert.equal(newest.stats.overflowDropped, refused);
  sink.control.failing = false;
  newest.kick();
  assert.equal(await newest.flush(5000), true);
  assert.equal(sink.received.length, 200 - refused);
  assert.equal(sink.received[0]?.id, 'n0', 'drop-newest keeps the oldest');
  await newest.close();

  const oldestDir = tempDir(t);
  const oldest = makeOutbox(oldestDir, { diskBytes: 8192, segmentBytes: 2048, overflow: 'drop-oldest', memoryItems: 5 });
  const sink2 = recordingSink('o');
  sink2.control.failing = true;
  oldest.addSink(sink2.options);
  for (let i = 0; i < 400; i++) {
    oldest.enqueue('event', `o${i}`, { pad: 'x'.repeat(50) });
    if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await until(() => oldest.stats.overflowDropped > 0);
  // Still failing, so nothing is acknowledged and only the overflow policy frees disk: once its
  // drops settle the log is within the bound (plus one segment, the unit that is dropped).
  await until(() => oldest.store.totalBytes <= 8192 + 2048);
  sink2.control.failing = false;
  oldest.kick();
  assert.equal(await oldest.flush(5000), true);
  assert.equal(sink2.received.at(-1)?.id, 'o399', 'drop-oldest keeps the newest');
  const ids = sink2.received.map((record) => Number(record.id.slice(1)));
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'still in order');
  await oldest.close();
});

void test('stress: flapping sink, tiny memory window and segments, concurrent enqueues: nothing lost, order kept', async (t) => {
  const dir = tempDir(t);
  const outbox = makeOutbox(dir, { memoryItems: 3, segmentBytes: 1024 });
  const received: string[] = [];
  let calls = 0;
  outbox.addSink({
    name: 'flappy',
    breaker: new CircuitBreaker({ name: 'flappy', failureThreshold: 2, cooldownMs: 5 }),
    send: async (record) => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, calls % 7));
      if (calls % 5 === 0) throw new Error('flap');
      received.push(record.id);
    },
  });
  for (let i = 0; i < 1500; i++) {
    outbox.enqueue('event', `s${i}`, { n: i, pad: 'y'.repeat(i % 50) });
    if (i % 25 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  assert.equal(await outbox.flush(60_000), true);
  assert.deepEqual(
    received,
    Array.from({ length: 1500 }, (_, i) => `s${i}`),
  );
  await outbox.close();
});
