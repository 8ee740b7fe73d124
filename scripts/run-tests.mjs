#!/usr/bin/env node
// Runs every *.test.ts under the source folders with node's test runner (tsx loader), then fails
// if any media or broker process that was not running before is still running after (a leak).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOTS = ['common', 'gateway', 'detector', 'control', 'cli', 'test', 'appliance'];
const WATCHED = /^(ffmpeg|ffprobe|mosquitto|nats-server|mediamtx|fake-mediamtx)$/;

function findTests(dir, out = []) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry === 'node_modules' || entry === 'fixtures') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

function watchedProcesses() {
  const found = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (!WATCHED.test(comm)) continue;
      // Zombies are dead (an orphan reparented to PID 1 waits there to be reaped): not a leak.
      if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
      found.set(pid, comm);
    } catch {
      // gone already
    }
  }
  return found;
}

const filter = process.argv.slice(2);
const files = ROOTS.flatMap((root) => findTests(root))
  .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const before = watchedProcesses();
const concurrency = process.env.LOOKOUT_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...files],
  { stdio: 'inherit' },
);
// Give exiting processes a moment to be reaped before counting leftovers.
await new Promise((resolve) => setTimeout(resolve, 500));
const leaked = [...watchedProcesses()].filter(([pid]) => !before.has(pid));
if (leaked.length > 0) {
  console.error(`tests left processes running: ${leaked.map(([pid, comm]) => `${comm}(${pid})`).join(', ')}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
