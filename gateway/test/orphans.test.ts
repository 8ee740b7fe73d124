import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { groupMembers, isAlive, readStartTime } from '../../common/proc.ts';
import { ChildRegistry, CHILDREN_FILE, DETECTOR_CHILDREN_FILE, killOrphans, readChildRecords, StateDirInUseError } from '../../common/child/orphan-registry.ts';
import { camera, fixture, fixtureSpec, makeManager, waitFor } from './pipeline-helpers.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lookout-orphans-'));
}

/** Spawns a process in its own group that the test owns (reaped by this process when it dies). */
function spawnDetached(command: string, args: string[] = []): ChildProcess & { pid: number } {
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  return child as ChildProcess & { pid: number };
}

async function killAndReap(child: ChildProcess & { pid: number }): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
  await exited;
}

void test('ChildRegistry writes pid and start time atomically and forgets exited children', () => {
  const dir = tempDir();
  try {
    const registry = new ChildRegistry(dir);
    assert.equal(registry.add(process.pid, 'self'), true);
    const onDisk = JSON.parse(readFileSync(join(dir, CHILDREN_FILE), 'utf8')) as { owner: unknown; children: unknown[] };
    assert.deepEqual(onDisk.children, [{ pid: process.pid, startTime: readStartTime(process.pid), owner: 'self' }]);
    assert.deepEqual(onDisk.owner, { pid: process.pid, startTime: readStartTime(process.pid), role: 'gateway' });
    assert.equal(registry.add(2 ** 22 + 7, 'gone'), false, 'a pid that does not exist is not recorded');
    registry.remove(process.pid);
    assert.deepEqual(readChildRecords(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('start() SIGKILLs the process group of a recorded child whose start time matches, then clears the file', async () => {
  const dir = tempDir();
  const orphan = spawnDetached(fixture('no-progress'));
  try {
    await waitFor('orphan group has its sleep', () => groupMembers(orphan.pid).length >= 2);
    const startTime = readStartTime(orphan.pid);
    assert.ok(startTime !== undefined);
    writeFileSync(join(dir, CHILDREN_FILE), JSON.stringify({ children: [{ pid: orphan.pid, startTime, owner: 'cam' }] }));
    const tm = makeManager({ stateDir: dir, cameras: [camera('cam', { mode: 'on-demand' })], launch: () => fixtureSpec('forever') });
    await tm.manager.start();
    assert.deepEqual(groupMembers(orphan.pid), [], 'the whole group is gone when start() resolves');
    await waitFor('the orphan to be reaped', () => orphan.signalCode !== null);
    assert.equal(orphan.signalCode, 'SIGKILL');
    assert.equal(existsSync(join(dir, CHILDREN_FILE)), false);
    await tm.close();
  } finally {
    await killAndReap(orphan);
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('a record whose start time does not match (pid reused) is left alone', async () => {
  const dir = tempDir();
  const bystander = spawnDetached('sleep', ['1000']);
  try {
    const startTime = readStartTime(bystander.pid);
    assert.ok(startTime !== undefined);
    writeFileSync(join(dir, CHILDREN_FILE), JSON.stringify({ children: [{ pid: bystander.pid, startTime: startTime + 1, owner: 'cam' }] }));
    const result = await killOrphans(dir);
    assert.deepEqual(result.killed, []);
    assert.equal(result.skipped.length, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(isAlive(bystander.pid), true);
  } finally {
    await killAndReap(bystander);
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('a state dir owned by another live gateway is refused and its children are left alone', async () => {
  const dir = tempDir();
  const otherGateway = spawnDetached('sleep', ['1000']);
  const itsChild = spawnDetached('sleep', ['1000']);
  try {
    const record = { pid: itsChild.pid, startTime: readStartTime(itsChild.pid), owner: 'cam' };
    const owner = { pid: otherGateway.pid, startTime: readStartTime(otherGateway.pid) };
    writeFileSync(join(dir, CHILDREN_FILE), JSON.stringify({ owner, children: [record] }));
    const tm = makeManager({ stateDir: dir, cameras: [camera('cam')], launch: () => fixtureSpec('forever') });
    await assert.rejects(tm.manager.start(), (error: unknown) => {
      assert.ok(error instanceof StateDirInUseError);
      assert.match(error.message, new RegExp(`in use by another running gateway \\(pid ${otherGateway.pid}\\)`));
      return true;
    });
    assert.equal(isAlive(itsChild.pid), true);
    assert.deepEqual(tm.manager.liveChildren(), []);
    await tm.manager.stop(1000);
  } finally {
    await killAndReap(otherGateway);
    await killAndReap(itsChild);
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('a corrupt children file is ignored and removed', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, CHILDREN_FILE), '{not json');
    assert.deepEqual(await killOrphans(dir), { killed: [], skipped: [] });
    assert.equal(existsSync(join(dir, CHILDREN_FILE)), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('a manager process killed with SIGKILL leaves children that the next start() ends', async () => {
  const dir = tempDir();
  const script = join(import.meta.dirname, 'manager-child-process.ts');
  const first = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pids: number[] = [];
  try {
    let out = '';
    first.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor('first manager ready', () => out.includes('\n'), 30_000);
    pids = out.trim().split(' ').slice(1).map(Number);
    assert.equal(pids.length, 2);
    const exited = once(first, 'exit');
    first.kill('SIGKILL');
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(pids.every((pid) => isAlive(pid)), 'SIGKILL of the manager left its children running');

    const second = makeManager({ stateDir: dir, cameras: [camera('a', { mode: 'on-demand' })], launch: () => fixtureSpec('forever') });
    await second.manager.start();
    assert.deepEqual(pids.filter((pid) => isAlive(pid)), [], 'the second start ended the children of the first run');
    assert.deepEqual(pids.flatMap((pid) => groupMembers(pid)), []);
    await second.close();
  } finally {
    if (first.exitCode === null && first.signalCode === null) first.kill('SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("a detector's decoder registry owned by a live detector is refused in the detector's name; a dead owner is not", async () => {
  const dir = tempDir();
  const otherDetector = spawnDetached('sleep', ['1000']);
  try {
    const owner = { pid: otherDetector.pid, startTime: readStartTime(otherDetector.pid), role: 'detector' };
    writeFileSync(join(dir, DETECTOR_CHILDREN_FILE), JSON.stringify({ owner, children: [] }));
    await assert.rejects(killOrphans(dir, undefined, 100, DETECTOR_CHILDREN_FILE), /in use by another running detector \(pid \d+\)/);
    // Once it is dead (gone, or a zombie nobody reaped: isAlive says false for both), it owns nothing.
    process.kill(otherDetector.pid, 'SIGKILL');
    await waitFor('the owner to die', () => !isAlive(otherDetector.pid));
    await killOrphans(dir, undefined, 100, DETECTOR_CHILDREN_FILE);
  } finally {
    await killAndReap(otherDetector);
    rmSync(dir, { recursive: true, force: true });
  }
});
