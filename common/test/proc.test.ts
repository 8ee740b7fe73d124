import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { descendants, groupMembers, isAlive, listChildren, listProcesses, openFdCount, processRssBytes, readStat, readStartTime } from '../proc.ts';

void test('readStat parses /proc/<pid>/stat even with spaces and parentheses in the command name', async () => {
  // comm is the basename of the executed path, so a symlink named "x) (y z" shows up as "(x) (y z)".
  const dir = mkdtempSync(join(tmpdir(), 'lookout-proc-'));
  const tricky = join(dir, 'x) (y z');
  symlinkSync('/bin/sleep', tricky);
  const child = spawn(tricky, ['5'], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(readFileSync(`/proc/${child.pid}/stat`, 'utf8'), /\(x\) \(y z\)/);
    const stat = readStat(child.pid ?? -1);
    assert.ok(stat);
    assert.equal(stat.state, 'S');
    assert.equal(stat.ppid, process.pid);
    assert.equal(stat.pgrp, readStat(process.pid)?.pgrp, 'not detached: same group as the test');
    assert.ok(stat.startTime >= (readStartTime(process.pid) ?? Infinity));
    assert.equal(readStat(2 ** 22 + 11), undefined);
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('children, descendants and group members come from /proc', async () => {
  const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore', detached: true });
  const pid = child.pid ?? -1;
  const exited = once(child, 'exit');
  try {
    let grandchildren: number[] = [];
    for (let i = 0; i < 100 && grandchildren.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      grandchildren = listChildren(pid);
    }
    assert.equal(grandchildren.length, 1);
    assert.ok(listChildren(process.pid).includes(pid));
    assert.ok(descendants(process.pid).includes(grandchildren[0] ?? -1));
    assert.deepEqual(groupMembers(pid).sort(), [pid, ...grandchildren].sort());
  } finally {
    process.kill(-pid, 'SIGKILL');
    await exited;
  }
});

void test('a zombie (exited, not reaped) is not alive and is skipped by the listings', async () => {
  // The inner shell exits at once; its parent then execs sleep, which never reaps: a zombie.
  const child = spawn('sh', ['-c', 'sh -c "exit 0" & exec sleep 30'], { stdio: 'ignore', detached: true });
  const pid = child.pid ?? -1;
  const exited = once(child, 'exit');
  try {
    let zombie: number | undefined;
    for (let i = 0; i < 100 && zombie === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      zombie = listProcesses().find((stat) => stat.ppid === pid && stat.state === 'Z')?.pid;
    }
    assert.ok(zombie !== undefined, 'zombie found');
    assert.equal(isAlive(zombie), false);
    assert.equal(isAlive(pid), true);
    assert.deepEqual(listChildren(pid), []);
    assert.equal(descendants(process.pid).includes(zombie), false);
    assert.deepEqual(groupMembers(pid), [pid]);
  } finally {
    process.kill(-pid, 'SIGKILL');
    await exited;
  }
});

void test('openFdCount and processRssBytes read real values', () => {
  assert.ok(openFdCount() > 3);
  assert.ok(processRssBytes() > 10 * 1024 * 1024);
  assert.ok(processRssBytes(process.ppid) > 0, 'another process via /proc/<pid>/status');
  assert.equal(openFdCount(2 ** 22 + 13), 0);
});
