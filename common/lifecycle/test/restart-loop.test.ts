import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartLoop, type LifetimeOutcome } from '../restart-loop.ts';
import { sleep } from '../sleep.ts';

/**
 * A FAKE child (an in-process stand-in for a supervised process): each lifetime follows a script
 * entry — crash after some ms, hang until stopped, or run "stable" for a while then crash.
 */
type Script = { crashAfterMs: number; ranMs?: number } | { hang: true };

function fakeChild(script: Script[]) {
  const log: string[] = [];
  const run = async (signal: AbortSignal, start: number): Promise<LifetimeOutcome<'exit' | 'stall'>> => {
    const step = script[Math.min(start - 1, script.length - 1)]!;
    log.push(`start ${start}`);
    if ('hang' in step) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      log.push(`stopped ${start}`);
      return { end: true };
    }
    await sleep(step.crashAfterMs, signal);
    if (signal.aborted) return { end: true };
    log.push(`crash ${start}`);
    return { restart: 'exit', ranMs: step.ranMs ?? 0 };
  };
  return { run, log };
}

const noJitter = () => 0.5;

void test('crash: restarts with growing backoff and counts restarts by reason', async () => {
  const stop = new AbortController();
  const child = fakeChild([{ crashAfterMs: 1 }, { crashAfterMs: 1 }, { crashAfterMs: 1 }, { hang: true }]);
  const delays: number[] = [];
  const loop = new RestartLoop<'exit' | 'stall'>({
    backoff: { initialMs: 4, maxMs: 12, resetAfterMs: 1000, random: noJitter },
    signal: stop.signal,
    run: child.run,
    onBackoff: (event) => {
      delays.push(event.delayMs);
    },
  });
  const done = loop.run();
  while (loop.starts < 4) await sleep(5);
  stop.abort();
  await done;
  assert.deepEqual(delays, [3, 6, 9], 'equal jitter at 0.5: 3/4 of 4, 8, then the 12 cap');
  assert.equal(loop.restarts.get('exit'), 3);
  assert.equal(loop.totalRestarts, 3);
  assert.deepEqual(child.log, ['start 1', 'crash 1', 'start 2', 'crash 2', 'start 3', 'crash 3', 'start 4', 'stopped 4']);
});

void test('hang: a lifetime that never ends on its own ends when the loop is stopped, and no restart follows', async () => {
  const stop = new AbortController();
  const child = fakeChild([{ hang: true }]);
  const loop = new RestartLoop({ backoff: { initialMs: 1, maxMs: 1, resetAfterMs: 1 }, signal: stop.signal, run: child.run });
  const done = loop.run();
  await sleep(10);
  stop.abort();
  await done;
  assert.equal(loop.starts, 1);
  assert.equal(loop.totalRestarts, 0);
});

void test('stable run resets the backoff to the initial step', async () => {
  const stop = new AbortController();
  const child = fakeChild([{ crashAfterMs: 1 }, { crashAfterMs: 1 }, { crashAfterMs: 1, ranMs: 5000 }, { hang: true }]);
  const attempts: number[] = [];
  const loop = new RestartLoop({
    backoff: { initialMs: 2, maxMs: 100, resetAfterMs: 1000, random: noJitter },
    signal: stop.signal,
    run: child.run,
    onBackoff: (event) => attempts.push(event.attempt),
  });
  const done = loop.run();
  while (loop.starts < 4) await sleep(5);
  stop.abort();
  await done;
  assert.deepEqual(attempts, [1, 2, 1], 'the third lifetime ran 5 s ≥ resetAfterMs: back to the first step');
});

void test('stop during backoff returns at once and starts nothing', async () => {
  const stop = new AbortController();
  const child = fakeChild([{ crashAfterMs: 0 }]);
  let backoffSeen!: () => void;
  const inBackoff = new Promise<void>((resolve) => (backoffSeen = resolve));
  const loop = new RestartLoop({
    backoff: { initialMs: 60_000, maxMs: 60_000, resetAfterMs: 1 },
    signal: stop.signal,
    run: child.run,
    onBackoff: () => backoffSeen(),
  });
  const done = loop.run();
  await inBackoff;
  const t0 = performance.now();
  stop.abort();
  await done;
  assert.ok(performance.now() - t0 < 1000, 'a 30-60 s backoff was cut short');
  assert.equal(loop.starts, 1, 'nothing started after the stop');
});

void test('an aborted signal before run() starts nothing; run() is memoized', async () => {
  const stop = new AbortController();
  stop.abort();
  let starts = 0;
  const loop = new RestartLoop({
    backoff: { initialMs: 1, maxMs: 1, resetAfterMs: 1 },
    signal: stop.signal,
    run: async () => {
      starts++;
      return { end: true };
    },
  });
  assert.equal(loop.run(), loop.run());
  await loop.run();
  assert.equal(starts, 0);
});

void test('a lifetime that throws ends the loop with that error', async () => {
  const loop = new RestartLoop({
    backoff: { initialMs: 1, maxMs: 1, resetAfterMs: 1 },
    signal: new AbortController().signal,
    run: async () => {
      throw new Error('spawn impossible');
    },
  });
  await assert.rejects(loop.run(), /spawn impossible/);
});
