import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { SupervisedChild } from '../child/supervised-child.ts';
import { groupMembers, isAlive } from '../proc.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'bin');

void test('exit code and signal are observed and recorded', async () => {
  const failing = SupervisedChild.spawn({ name: 'exit-3', command: 'sh', args: ['-c', 'exit 3'] });
  const exit = await failing.exited;
  assert.deepEqual([exit.code, exit.signal, exit.stopRequested, exit.lost], [3, null, false, false]);
  assert.equal(failing.running, false);
  assert.equal(failing.exitInfo, exit);

  const killed = SupervisedChild.spawn({ name: 'sleeper', command: 'sleep', args: ['30'] });
  const pid = killed.pid;
  assert.ok(pid !== undefined && isAlive(pid));
  killed.kill('SIGKILL');
  const killedExit = await killed.exited;
  assert.deepEqual([killedExit.code, killedExit.signal], [null, 'SIGKILL']);
  assert.ok(killedExit.endedAt >= killedExit.startedAt);
});

void test('stderr tail is bounded and redacted: credentials in URLs never survive', async () => {
  const script = 'i=0; while [ $i -lt 50 ]; do echo "line $i rtsp://admin:secret@10.0.0.1/stream"; i=$((i+1)); done >&2';
  const lines: string[] = [];
  const child = SupervisedChild.spawn({ name: 'noisy', command: 'sh', args: ['-c', script], stderrTailLines: 10, onStderrLine: (line) => lines.push(line) });
  await child.exited;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const tail = child.stderrTail();
  assert.equal(tail.length, 10);
  assert.match(tail[9] ?? '', /^line 49 rtsp:\/\/admin:\*\*\*@10\.0\.0\.1\/stream$/);
  assert.equal(lines.length, 50, 'every line passes the callback');
  assert.ok([...tail, ...lines].every((line) => !line.includes('secret')));
});

void test('a literal secret given through `redact` is removed from the tail', async () => {
  const child = SupervisedChild.spawn({
    name: 'publish',
    command: 'sh',
    args: ['-c', 'echo "publishing with password Pa55word-xyz" >&2'],
    redact: (text) => text.split('Pa55word-xyz').join('***'),
  });
  await child.exited;
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(child.stderrTail(), ['publishing with password ***']);
});

void test('spawn failure resolves exited with spawnError instead of throwing; stop is a no-op', async () => {
  const child = SupervisedChild.spawn({ name: 'missing', command: join(FIXTURES, 'does-not-exist'), args: [] });
  const exit = await child.exited;
  assert.match(exit.spawnError?.message ?? '', /ENOENT/);
  assert.equal(exit.code, null);
  assert.equal(await child.stop(), exit);
});

void test('stop is idempotent and bounded: quit input, then SIGTERM, then SIGKILL for a child that ignores both', async () => {
  const child = SupervisedChild.spawn({
    name: 'stubborn',
    command: join(FIXTURES, 'ignore-term'),
    args: [],
    quitInput: 'q',
    quitGraceMs: 100,
    termGraceMs: 300,
    extraPipes: [3],
  });
  const pid = child.pid;
  assert.ok(pid !== undefined);
  await new Promise((resolve) => setTimeout(resolve, 150));
  const started = Date.now();
  const [first, second] = await Promise.all([child.stop(), child.stop()]);
  const took = Date.now() - started;
  assert.equal(first, second, 'both calls get the same exit');
  assert.equal(first.signal, 'SIGKILL');
  assert.equal(first.stopRequested, true);
  assert.ok(took >= 380 && took < 3000, `stop took ${took} ms`);
  assert.deepEqual(groupMembers(pid), [], 'nothing of its group is left when stop resolves');
  assert.equal(await child.stop(), first);
});

void test('quit input ends a cooperative child without signals', async () => {
  const child = SupervisedChild.spawn({ name: 'forever', command: join(FIXTURES, 'forever'), args: [], quitInput: 'q', quitGraceMs: 3000, extraPipes: [3] });
  await new Promise((resolve) => setTimeout(resolve, 150));
  const exit = await child.stop();
  assert.deepEqual([exit.code, exit.signal], [0, null]);
});

void test('stop of a child that closed its stdout and stdin still ends it and observes the exit', async () => {
  const child = SupervisedChild.spawn({
    name: 'closed-pipes',
    command: 'sh',
    args: ['-c', 'exec 1>&- 0<&-; trap "exit 7" TERM; while :; do sleep 0.05; done'],
    quitInput: 'q',
    quitGraceMs: 100,
    termGraceMs: 2000,
  });
  await new Promise((resolve) => setTimeout(resolve, 150));
  const exit = await child.stop();
  assert.equal(exit.code, 7, 'the quit input hit a closed pipe, SIGTERM did the job');
  assert.equal(child.running, false);
});

void test('a grandchild left in the group is gone when exited resolves, even after a clean leader exit', async () => {
  const child = SupervisedChild.spawn({ name: 'leaver', command: 'sh', args: ['-c', '(trap "" TERM; exec sleep 1000) & echo $! >&2; sleep 0.2; exit 0'] });
  const pid = child.pid;
  assert.ok(pid !== undefined);
  const exit = await child.exited;
  assert.equal(exit.code, 0);
  assert.deepEqual(groupMembers(pid), []);
  const grandchild = Number(child.stderrTail()[0]);
  assert.ok(grandchild > 0);
  assert.equal(isAlive(grandchild), false);
});
