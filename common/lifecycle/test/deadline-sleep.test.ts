import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { deadline, DeadlineError, settledWithin } from '../deadline.ts';
import { sleep } from '../sleep.ts';

/** Timers node still holds (ours must all be gone once a call has settled). */
const activeTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

void test('deadline: overrun rejects with DeadlineError naming what and the bound', async () => {
  const never = new Promise<never>(() => {});
  await assert.rejects(deadline(never, 5, 'mediamtx stop'), (error: unknown) => {
    assert.ok(error instanceof DeadlineError);
    assert.equal(error.name, 'DeadlineError');
    assert.equal(error.what, 'mediamtx stop');
    assert.match(error.message, /mediamtx stop did not finish within 5 ms/);
    return true;
  });
});

void test('deadline: in time, the value or the own error passes through and no timer is left', async () => {
  const before = activeTimers();
  assert.equal(await deadline(Promise.resolve(7), 60_000, 'x'), 7);
  await assert.rejects(deadline(Promise.reject(new Error('own')), 60_000, 'x'), /own/);
  assert.equal(activeTimers(), before, 'the 60 s timers were cleared');
});

void test('deadline: a late rejection of the work after the deadline is not unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const late = new Promise((_resolve, reject) => setTimeout(() => reject(new Error('late')), 20));
    await assert.rejects(deadline(late, 1, 'late work'), DeadlineError);
    await sleep(60);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

void test('deadline: the signal aborts the wait with its reason, and an aborted signal rejects at once', async () => {
  const stop = new AbortController();
  const waiting = deadline(new Promise(() => {}), 60_000, 'x', { signal: stop.signal });
  stop.abort(new Error('stopped'));
  await assert.rejects(waiting, /stopped/);
  await assert.rejects(deadline(Promise.resolve(1), 60_000, 'x', { signal: stop.signal }), /stopped/);
});

void test('deadline (property): whichever of work and timer comes first decides, and no timer stays', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.boolean(), async (workMs, limitMs, fails) => {
      fc.pre(Math.abs(workMs - limitMs) >= 15); // timers on a loaded machine: only clear orderings
      const before = activeTimers();
      const work = sleep(workMs).then(() => {
        if (fails) throw new Error('work failed');
        return 'value';
      });
      const outcome = await deadline(work, limitMs, 'prop').then(
        (value) => value,
        (error: unknown) => (error instanceof DeadlineError ? 'deadline' : 'failed'),
      );
      await work.catch(() => {});
      assert.equal(outcome, workMs < limitMs ? (fails ? 'failed' : 'value') : 'deadline');
      assert.equal(activeTimers(), before);
    }),
    { numRuns: 40 },
  );
});

void test('settledWithin: true when the work settled in time (even by failing), false when out of time', async () => {
  assert.equal(await settledWithin(Promise.reject(new DeadlineError('inner', 1)), 1000), true);
  assert.equal(await settledWithin(Promise.resolve(), 1000), true);
  assert.equal(await settledWithin(new Promise(() => {}), 5), false);
});

void test('sleep: waits about ms, ends at once on abort, never rejects, leaves no timer', async () => {
  const t0 = performance.now();
  await sleep(20);
  assert.ok(performance.now() - t0 >= 15);
  const before = activeTimers();
  const stop = new AbortController();
  const long = sleep(60_000, stop.signal);
  stop.abort();
  await long;
  assert.equal(activeTimers(), before);
  await sleep(60_000, stop.signal); // already aborted: resolves at once
});
