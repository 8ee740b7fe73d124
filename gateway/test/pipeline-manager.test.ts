import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { readFileSync } from 'node:fs';
import { isAlive, openFdCount } from '../../common/proc.ts';
import {
  CameraPausedError,
  PipelineStartError,
  ShuttingDownError,
  SlotsExhaustedError,
  StartTimeoutError,
  UnknownCameraError,
  type LaunchSpec,
} from '../pipeline/pipeline-manager.ts';
import { camera, fixtureSpec, leftoverInGroups, makeManager, waitFor, type FixtureName } from './pipeline-helpers.ts';

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\u0000').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

void test('limit 1: the second always camera waits FIFO, explicit resume is refused at once, pause hands the slot over', async () => {
  const tm = makeManager({ limit: 1, cameras: [camera('a'), camera('b'), camera('c')], launch: () => fixtureSpec('forever') });
  const { manager } = tm;
  try {
    await manager.start();
    await waitFor('a running', () => manager.status('a').state === 'running');
    assert.equal(manager.status('b').state, 'waiting');
    assert.deepEqual(manager.slots(), { inUse: 1, limit: 1, waiting: ['b', 'c'] });

    const before = Date.now();
    await assert.rejects(manager.resume('c'), (error: unknown) => {
      assert.ok(error instanceof SlotsExhaustedError);
      assert.match(error.message, /all 1 pipeline slots are in use \(pipelines\.limit=1; held by a\)/);
      return true;
    });
    assert.ok(Date.now() - before < 500, 'refusal is immediate');
    assert.equal(manager.status('c').state, 'waiting', 'a refused resume keeps the camera queued');

    const paused = await manager.pause('a');
    assert.equal(paused.state, 'paused');
    assert.equal(paused.pid, undefined);
    await waitFor('b running', () => manager.status('b').state === 'running');
    assert.equal(manager.status('c').state, 'waiting', 'FIFO: b before c');
    assert.deepEqual(manager.slots().waiting, ['c']);
    assert.equal(manager.liveChildren().length, 1);
  } finally {
    await tm.close();
  }
  assert.deepEqual(leftoverInGroups(tm.seenPids), []);
  assert.deepEqual(tm.manager.slots(), { inUse: 0, limit: 1, waiting: [] });
});

void test('pause and resume are idempotent, and concurrent commands end in the state of the last one', async () => {
  const tm = makeManager({ limit: 2, cameras: [camera('a')], launch: () => fixtureSpec('forever') });
  const { manager } = tm;
  try {
    await manager.start();
    const resumed = await manager.resume('a');
    assert.equal(resumed.state, 'running');
    const pid = resumed.pid;
    assert.ok(pid !== undefined && isAlive(pid));
    assert.equal((await manager.resume('a')).pid, pid, 'resume of a running camera keeps its child');

    assert.equal((await manager.pause('a')).state, 'paused');
    assert.equal((await manager.pause('a')).state, 'paused');
    assert.equal(isAlive(pid), false, 'pause returns after the child is gone');
    assert.equal(manager.slots().inUse, 0, 'pause returns with the slot free');

    // Fire a burst without awaiting; all settle, none fails with anything but a supersede.
    const burst = ['resume', 'pause', 'resume', 'pause', 'resume'] as const;
    const results = await Promise.allSettled(burst.map((verb) => manager[verb]('a')));
    for (const result of results) {
      if (result.status === 'rejected') assert.equal((result.reason as Error).name, 'CommandSupersededError');
    }
    assert.equal(manager.status('a').state, 'running');
    assert.equal(manager.liveChildren().length, 1);
    assert.equal(manager.slots().inUse, 1);

    await Promise.allSettled([manager.resume('a'), manager.pause('a')]);
    assert.equal(manager.status('a').state, 'paused');
    assert.equal(manager.liveChildren().length, 0);
    assert.equal(manager.slots().inUse, 0);
  } finally {
    await tm.close();
  }
  assert.deepEqual(leftoverInGroups(tm.seenPids), []);
});

void test('bounded stop: a child ignoring SIGTERM is SIGKILLed after the grace, and a grandchild in its group dies too', async () => {
  const kinds: Record<string, FixtureName> = { stubborn: 'ignore-term', parent: 'grandchild' };
  const tm = makeManager({
    limit: 2,
    stopGraceMs: 300,
    cameras: [camera('stubborn'), camera('parent')],
    launch: (id) => fixtureSpec(kinds[id] ?? 'forever'),
  });
  const { manager } = tm;
  try {
    await manager.start();
    await waitFor('both running', () => manager.status().every((status) => status.state === 'running'));
    const stubbornPid = manager.status('stubborn').pid;
    const parentPid = manager.status('parent').pid;
    assert.ok(stubbornPid !== undefined && parentPid !== undefined);
    const isSleeper = (pid: number) => readCmdline(pid) === 'sleep 1000';
    await waitFor('grandchild spawned', () => leftoverInGroups([parentPid]).some(isSleeper));
    const grandchildren = leftoverInGroups([parentPid]).filter(isSleeper);
    assert.equal(grandchildren.length, 1);

    const started = Date.now();
    const stopped = await manager.pause('stubborn');
    const took = Date.now() - started;
    assert.equal(stopped.state, 'paused');
    assert.equal(stopped.lastExit?.signal, 'SIGKILL', 'only SIGKILL ends it');
    // quit grace (150 ms) + term grace (300 ms), with room for a loaded machine.
    assert.ok(took >= 400 && took < 3000, `stop took ${took} ms`);
    assert.deepEqual(leftoverInGroups([stubbornPid]), []);

    await manager.pause('parent');
    assert.equal(isAlive(parentPid), false);
    for (const pid of grandchildren) assert.equal(isAlive(pid), false, `grandchild ${pid} is gone`);
    assert.deepEqual(leftoverInGroups([parentPid]), []);
    assert.equal(manager.slots().inUse, 0);
  } finally {
    await tm.close();
  }
});

void test('stall: a child that stops making progress is killed and restarted, counted by reason', async () => {
  let launches = 0;
  const tm = makeManager({
    limit: 1,
    cameras: [camera('cam', { stallTimeoutMs: 600 })],
    // First child: 3 progress blocks then silence (hung); later children are healthy.
    launch: () => (++launches === 1 ? fixtureSpec('no-progress', { env: { ...process.env, PROGRESS_BLOCKS: '3' } }) : fixtureSpec('forever')),
  });
  const { manager } = tm;
  const stalls: string[] = [];
  manager.on('stall', ({ id }) => stalls.push(id));
  try {
    await manager.start();
    await waitFor('first child running', () => manager.status('cam').state === 'running');
    const firstPid = manager.status('cam').pid;
    await waitFor('restart after stall', () => launches >= 2 && manager.status('cam').state === 'running', 8000);
    assert.notEqual(manager.status('cam').pid, firstPid);
    assert.deepEqual(stalls, ['cam']);
    assert.equal(manager.restartCounts().stall, 1);
    assert.equal(manager.stalls, 1);
    assert.equal(manager.status('cam').restarts, 1);
    assert.match(manager.status('cam').lastError ?? '', /stalled/);
    assert.ok(firstPid !== undefined && !isAlive(firstPid));
  } finally {
    await tm.close();
  }
});

void test('a SIGSTOPped child is detected as stalled and replaced (SIGTERM reaches it via SIGCONT)', async () => {
  const tm = makeManager({
    limit: 1,
    stopGraceMs: 3000,
    cameras: [camera('cam', { stallTimeoutMs: 500 })],
    launch: () => fixtureSpec('forever'),
  });
  const { manager } = tm;
  try {
    await manager.start();
    await waitFor('running', () => manager.status('cam').state === 'running');
    const pid = manager.status('cam').pid;
    assert.ok(pid !== undefined);
    process.kill(-pid, 'SIGSTOP');
    await waitFor('replaced', () => manager.status('cam').state === 'running' && manager.status('cam').pid !== pid, 8000);
    assert.equal(isAlive(pid), false);
    assert.equal(manager.restartCounts().stall, 1);
    // Its SIGTERM trap ran (exit 0): it was continued, not left for SIGKILL after the grace.
    assert.deepEqual([manager.status('cam').lastExit?.code, manager.status('cam').lastExit?.signal], [0, null]);
  } finally {
    await tm.close();
  }
});

void test('exit and spawn failure: backoff restarts, lease released each time, reasons counted', async () => {
  let launches = 0;
  const sequence: FixtureName[] = ['exit-now', 'missing', 'forever'];
  const tm = makeManager({
    limit: 1,
    cameras: [camera('cam')],
    launch: () => fixtureSpec(sequence[Math.min(launches++, sequence.length - 1)] ?? 'forever'),
  });
  const { manager } = tm;
  const states: string[] = [];
  manager.on('state', (status) => states.push(status.state));
  try {
    await manager.start();
    await waitFor('running on the third launch', () => manager.status('cam').state === 'running', 8000);
    assert.equal(launches, 3);
    const counts = manager.restartCounts();
    assert.equal(counts.exit, 1);
    assert.equal(counts['spawn-error'], 1);
    assert.ok(states.includes('backoff'));
    assert.equal(manager.status('cam').lastExit?.code, null, 'the last exit recorded is the spawn failure');
    assert.equal(manager.slots().inUse, 1);
  } finally {
    await tm.close();
  }
});

void test('a throwing launcher never leaks a lease', async () => {
  let calls = 0;
  const tm = makeManager({
    limit: 1,
    cameras: [camera('cam')],
    launch: (): LaunchSpec => {
      calls++;
      throw new Error('cannot build args');
    },
  });
  const { manager } = tm;
  try {
    await manager.start();
    await waitFor('a few launch attempts', () => calls >= 3);
    assert.equal(manager.restartCounts()['spawn-error'] >= 2, true);
    assert.match(manager.status('cam').lastError ?? '', /launch failed: cannot build args/);
    await manager.pause('cam');
    assert.equal(manager.slots().inUse, 0);
  } finally {
    await tm.close();
  }
});

void test('resume that never sees progress throws StartTimeoutError after the start timeout and leaves the camera in backoff', async () => {
  const tm = makeManager({
    limit: 1,
    cameras: [camera('cam', { startTimeoutMs: 600 })],
    backoff: { initialMs: 2000, maxMs: 2000, resetAfterMs: 5000 },
    launch: () => fixtureSpec('no-progress'),
  });
  const { manager } = tm;
  try {
    await manager.pause('cam');
    const started = Date.now();
    await assert.rejects(manager.resume('cam'), StartTimeoutError);
    assert.ok(Date.now() - started >= 550);
    assert.equal(manager.status('cam').state, 'backoff');
    assert.equal(manager.slots().inUse, 0);
    assert.equal(manager.restartCounts()['start-timeout'], 1);

    // A resume whose child dies at once reports the failure (not a timeout).
  } finally {
    await tm.close();
  }
});

void test('resume of a child that exits at once rejects with PipelineStartError naming the exit', async () => {
  const tm = makeManager({ limit: 1, cameras: [camera('cam')], launch: () => fixtureSpec('exit-now') });
  const { manager } = tm;
  try {
    await manager.pause('cam');
    await assert.rejects(manager.resume('cam'), (error: unknown) => {
      assert.ok(error instanceof PipelineStartError);
      assert.match(error.message, /code 1/);
      assert.doesNotMatch(error.message, /hunter2secret/);
      return true;
    });
  } finally {
    await tm.close();
  }
});

void test('on-demand: ref-counted viewer leases, refusal at the limit, last release stops the child', async () => {
  const tm = makeManager({
    limit: 1,
    cameras: [camera('door', { mode: 'on-demand' }), camera('yard', { mode: 'on-demand' })],
    launch: () => fixtureSpec('forever'),
  });
  const { manager } = tm;
  try {
    await manager.start();
    assert.equal(manager.status('door').state, 'stopped', 'on-demand cameras do not start by themselves');
    const first = await manager.acquireDemand('door');
    const second = await manager.acquireDemand('door');
    assert.equal(manager.status('door').demandLeases, 2);
    await waitFor('door running', () => manager.status('door').state === 'running');
    await assert.rejects(manager.acquireDemand('yard'), SlotsExhaustedError);

    await first.release();
    await first.release();
    assert.equal(manager.status('door').demandLeases, 1, 'release is idempotent');
    assert.equal(manager.status('door').state, 'running');
    await second.release();
    assert.equal(manager.status('door').state, 'stopped');
    assert.equal(manager.slots().inUse, 0);
    assert.deepEqual(manager.liveChildren(), []);

    await manager.pause('yard');
    await assert.rejects(manager.acquireDemand('yard'), CameraPausedError);
    const lifted = await manager.restart('yard');
    assert.deepEqual([lifted.state, lifted.pid], ['stopped', undefined], 'restart without viewers only lifts the pause');
    const viewer = await manager.acquireDemand('yard');
    await viewer.release();
  } finally {
    await tm.close();
  }
});

void test('unknown cameras and commands after shutdown are refused with named errors', async () => {
  const tm = makeManager({ limit: 1, cameras: [camera('a')], launch: () => fixtureSpec('forever') });
  const { manager } = tm;
  await manager.start();
  assert.throws(() => manager.status('nope'), UnknownCameraError);
  await assert.rejects(manager.pause('nope'), /unknown camera "nope"/);
  await tm.close();
  await assert.rejects(manager.resume('a'), ShuttingDownError);
  assert.equal(manager.status('a').state, 'stopped');
});

void test('shutdown stops every pipeline concurrently and resolves within the deadline even with stubborn children', async () => {
  const tm = makeManager({
    limit: 3,
    stopGraceMs: 5000,
    cameras: [camera('a'), camera('b'), camera('c')],
    launch: (id) => fixtureSpec(id === 'a' ? 'forever' : 'ignore-term'),
  });
  const { manager } = tm;
  await manager.start();
  await waitFor('all running', () => manager.status().every((status) => status.state === 'running'));
  const pids = manager.liveChildren();
  const started = Date.now();
  await manager.stop(1000);
  const took = Date.now() - started;
  assert.ok(took < 1600, `shutdown took ${took} ms`);
  await waitFor('children gone', () => pids.every((pid) => !isAlive(pid)));
  await waitFor('slots free', () => manager.slots().inUse === 0);
  await tm.close();
});

void test('a pause behind a resume that waits for progress does not wait out the start timeout', async () => {
  const tm = makeManager({ limit: 1, cameras: [camera('cam', { startTimeoutMs: 10_000 })], launch: () => fixtureSpec('no-progress') });
  const { manager } = tm;
  try {
    await manager.pause('cam');
    const resuming = manager.resume('cam');
    await waitFor('child spawned', () => manager.status('cam').pid !== undefined);
    const started = Date.now();
    const paused = await manager.pause('cam');
    assert.ok(Date.now() - started < 3000, 'pause did not wait for the 10 s start timeout');
    await assert.rejects(resuming, /resume of camera "cam" was superseded by a later command/);
    assert.equal(paused.state, 'paused');
    assert.equal(manager.slots().inUse, 0);
    assert.deepEqual(manager.liveChildren(), []);
  } finally {
    await tm.close();
  }
});

void test('restart replaces the child, counts a manual restart, and clears a pause', async () => {
  const tm = makeManager({ limit: 1, cameras: [camera('cam')], launch: () => fixtureSpec('forever') });
  const { manager } = tm;
  try {
    await manager.start();
    await waitFor('running', () => manager.status('cam').state === 'running');
    const before = manager.status('cam').pid;
    const after = await manager.restart('cam');
    assert.equal(after.state, 'running');
    assert.notEqual(after.pid, before);
    assert.ok(before !== undefined && !isAlive(before));
    assert.equal(manager.restartCounts().manual, 1);
    await manager.pause('cam');
    assert.equal((await manager.restart('cam')).state, 'running');
    assert.equal(manager.slots().inUse, 1);
  } finally {
    await tm.close();
  }
});

void test('pause/resume cycles leave no child, descriptor, timer or listener behind', async () => {
  const tm = makeManager({ limit: 2, cameras: [camera('a'), camera('b')], launch: () => fixtureSpec('forever') });
  const { manager } = tm;
  const resources = () => process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap').length;
  try {
    await manager.start();
    await waitFor('running', () => manager.status().every((status) => status.state === 'running'));
    await manager.pause('a');
    await manager.resume('a');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const fds = openFdCount();
    const active = resources();
    const listeners = manager.listenerCount('state');
    for (let cycle = 0; cycle < 30; cycle++) {
      await manager.pause('a');
      await manager.resume('a');
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(manager.liveChildren().length, 2);
    assert.equal(manager.slots().inUse, 2);
    assert.ok(openFdCount() <= fds + 2, `fds ${fds} → ${openFdCount()}`);
    assert.ok(resources() <= active + 2, `active resources ${active} → ${resources()}`);
    assert.equal(manager.listenerCount('state'), listeners);
  } finally {
    await tm.close();
  }
  assert.deepEqual(leftoverInGroups(tm.seenPids), []);
});

void test('real ffmpeg: publishing is confirmed by its -progress output and "q" stops it cleanly', async () => {
  const ffmpeg: LaunchSpec = {
    command: process.env.FFMPEG_PATH ?? 'ffmpeg',
    args: ['-hide_banner', '-nostats', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-progress', 'pipe:3', '-stats_period', '0.2', '-f', 'null', '-'],
    quitInput: 'q',
  };
  const tm = makeManager({ limit: 1, stopGraceMs: 3000, cameras: [camera('cam', { startTimeoutMs: 10_000 })], launch: () => ffmpeg });
  const { manager } = tm;
  try {
    await manager.pause('cam');
    const running = await manager.resume('cam');
    assert.equal(running.state, 'running');
    assert.ok(running.pid !== undefined && isAlive(running.pid));
    const started = Date.now();
    const paused = await manager.pause('cam');
    assert.ok(Date.now() - started < 1000, 'ffmpeg quit on "q" well before SIGTERM');
    assert.deepEqual([paused.lastExit?.code, paused.lastExit?.signal], [0, null]);
  } finally {
    await tm.close();
  }
});

void test('a failing child is logged with its stderr tail, with the launch secret and URL passwords redacted', async () => {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const tm = makeManager({
    limit: 1,
    logger,
    cameras: [camera('cam')],
    launch: () => ({
      command: 'sh',
      args: ['-c', 'echo "publish token Zq9-SECRET-77 to rtsp://pub:other-pass@127.0.0.1/cam refused" >&2; exit 1'],
      secret: 'Zq9-SECRET-77',
    }),
  });
  try {
    await tm.manager.pause('cam');
    await assert.rejects(tm.manager.resume('cam'), PipelineStartError);
    await waitFor('failure logged', () => lines.some((line) => line.includes('pipeline child ended')));
    const logged = lines.join('\n');
    assert.match(logged, /publish token \*\*\* to rtsp:\/\/pub:\*\*\*@127\.0\.0\.1\/cam refused/);
    assert.doesNotMatch(logged, /Zq9-SECRET-77|other-pass/);
  } finally {
    await tm.close();
  }
});
