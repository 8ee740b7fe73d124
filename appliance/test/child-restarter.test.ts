import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ChildExit } from '../../common/child/supervised-child.ts';
import { ChildRestarter } from '../child-restarter.ts';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'flaky-child.mjs');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function restarter(mode: string, exits: Array<{ exit: ChildExit; delay: number | undefined }>, termGraceMs = 2000, onStdout?: (chunk: Buffer) => void) {
  return new ChildRestarter({
    spec: { name: `flaky-${mode}`, command: process.execPath, args: [FIXTURE, mode], termGraceMs, ...(onStdout ? { onStdout } : {}) },
    backoff: { initialMs: 100, maxMs: 400, resetAfterMs: 60_000 },
    onExit: (exit, delay) => exits.push({ exit, delay }),
  });
}

void test('a child that keeps crashing is restarted with growing, capped delays', async () => {
  const exits: Array<{ exit: ChildExit; delay: number | undefined }> = [];
  const r = restarter('crash', exits);
  r.start();
  const deadline = Date.now() + 20_000;
  while (exits.length < 5 && Date.now() < deadline) await sleep(50);
  await r.stop();
  assert.ok(exits.length >= 5, `only ${exits.length} exits`);
  assert.ok(exits.slice(0, 5).every(({ exit }) => exit.code === 3));
  const delays = exits.slice(0, 5).map(({ delay }) => delay ?? -1);
  // Equal jitter: step/2 <= delay <= step, step = 100, 200, 400, 400, 400.
  const steps = [100, 200, 400, 400, 400];
  delays.forEach((delay, i) => assert.ok(delay >= (steps[i] ?? 0) / 2 && delay <= (steps[i] ?? 0), `delay ${i} = ${delay}`));
  assert.equal(r.child, undefined);
});

void test('stop() during the backoff wait returns at once and starts nothing more', async () => {
  const exits: Array<{ exit: ChildExit; delay: number | undefined }> = [];
  const r = new ChildRestarter({
    spec: { name: 'crash', command: process.execPath, args: [FIXTURE, 'crash'] },
    backoff: { initialMs: 30_000, maxMs: 30_000, resetAfterMs: 60_000 },
    onExit: (exit, delay) => exits.push({ exit, delay }),
  });
  r.start();
  while (exits.length < 1) await sleep(20);
  const started = Date.now();
  await r.stop();
  assert.ok(Date.now() - started < 1000);
  await sleep(100);
  assert.equal(r.starts, 1);
});

void test('stop() ends a running child with SIGTERM, and a stubborn one with SIGKILL, exit observed', async () => {
  for (const mode of ['run', 'stubborn']) {
    const exits: Array<{ exit: ChildExit; delay: number | undefined }> = [];
    let output = '';
    const r = restarter(mode, exits, 500, (chunk) => (output += chunk.toString()));
    r.start();
    // The fixture says "ready" once its SIGTERM handler is installed (a loaded machine can take seconds).
    const deadline = Date.now() + 20_000;
    while (!(r.child?.pid && output.includes('ready')) && Date.now() < deadline) await sleep(20);
    assert.ok(output.includes('ready'), `${mode} child never said ready: ${JSON.stringify(output)}`);
    const pid = r.child?.pid;
    assert.ok(pid);
    await r.stop();
    assert.equal(exits.length, 1);
    assert.equal(exits[0]?.exit.stopRequested, true);
    assert.equal(exits[0]?.exit.signal ?? null, mode === 'stubborn' ? 'SIGKILL' : null);
    assert.equal(alive(pid), false, `${mode} child ${pid} still alive`);
    assert.equal(r.starts, 1);
  }
});
