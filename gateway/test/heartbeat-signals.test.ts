import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Heartbeat } from '../heartbeat.ts';
import { handleShutdownSignals } from '../../common/process/signals.ts';

function capture(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

void test('heartbeat: one JSON line per interval with slots, states and the restarts of that interval', async () => {
  const { lines, stream } = capture();
  const heartbeat = new Heartbeat({
    intervalMs: 150,
    logger: pino({ level: 'info' }, stream),
    snapshot: () => ({
      slots: { inUse: 1, limit: 2 },
      children: 1,
      cameras: [
        { id: 'a', state: 'running' },
        { id: 'b', state: 'paused' },
        { id: 'c', state: 'running' },
      ],
    }),
  });
  heartbeat.noteRestart('stall');
  heartbeat.noteRestart('stall');
  heartbeat.noteRestart('exit');
  heartbeat.start();
  try {
    const until = Date.now() + 5_000;
    while (lines.length < 2 && Date.now() < until) await sleep(20);
  } finally {
    heartbeat.stop();
  }
  assert.ok(lines.length >= 2, `got ${lines.length} lines`);
  assert.equal(lines[0]?.msg, 'heartbeat');
  assert.deepEqual(lines[0]?.heartbeat, {
    slots: { inUse: 1, limit: 2 },
    children: 1,
    states: { running: 2, paused: 1 },
    restarts: 3,
    restartsByReason: { stall: 2, exit: 1 },
  });
  assert.equal((lines[1]?.heartbeat as { restarts: number }).restarts, 0, 'counts reset each interval');
  const count = lines.length;
  await sleep(400);
  assert.equal(lines.length, count, 'no line after stop()');
});

// A stand-in signal the tests can send to themselves: SIGWINCH has no other meaning to Node (SIGUSR2
// writes a diagnostic report file into the working directory on Node 24, SIGUSR1 starts the inspector).
void test('signals: first signal stops gracefully (done → 0); a second one kills at once and exits 130', async () => {
  let resolveStop!: () => void;
  const calls: string[] = [];
  const signals = handleShutdownSignals({
    signals: ['SIGWINCH'],
    timeoutMs: 10_000,
    stop: () => {
      calls.push('stop');
      return new Promise<void>((resolve) => (resolveStop = resolve));
    },
    kill: () => calls.push('kill'),
    exit: (code) => calls.push(`exit ${code}`),
  });
  try {
    process.kill(process.pid, 'SIGWINCH');
    await sleep(100);
    assert.deepEqual(calls, ['stop']);
    process.kill(process.pid, 'SIGWINCH');
    await sleep(100);
    assert.deepEqual(calls, ['stop', 'kill', 'exit 130']);
    resolveStop();
    assert.equal(await signals.done, 0);
  } finally {
    signals.dispose();
  }
});

void test('signals: a stop that hangs past the deadline is cut short: kill, then exit 1', async () => {
  const calls: string[] = [];
  const signals = handleShutdownSignals({
    signals: ['SIGWINCH'],
    timeoutMs: 200,
    stop: () => new Promise<void>(() => undefined),
    kill: () => calls.push('kill'),
    exit: (code) => calls.push(`exit ${code}`),
  });
  try {
    const started = Date.now();
    process.kill(process.pid, 'SIGWINCH');
    const until = Date.now() + 5_000;
    while (calls.length < 2 && Date.now() < until) await sleep(20);
    assert.deepEqual(calls, ['kill', 'exit 1']);
    assert.ok(Date.now() - started < 2_000);
  } finally {
    signals.dispose();
  }
});

void test('signals: a signal after the stop finished exits with the stop code at once, never by the default action', async () => {
  const calls: string[] = [];
  const signals = handleShutdownSignals({
    signals: ['SIGWINCH'],
    stop: async () => {
      calls.push('stop');
      return 3;
    },
    kill: () => calls.push('kill'),
    exit: (code) => calls.push(`exit ${code}`),
  });
  try {
    process.kill(process.pid, 'SIGWINCH');
    assert.equal(await signals.done, 3);
    process.kill(process.pid, 'SIGWINCH');
    const until = Date.now() + 5_000;
    while (calls.length < 2 && Date.now() < until) await sleep(20);
    assert.deepEqual(calls, ['stop', 'exit 3'], 'no kill: everything is already stopped');
  } finally {
    signals.dispose();
  }
});
