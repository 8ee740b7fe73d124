#!/usr/bin/env node
// Runs every *.test.ts under the source folders with node's test runner (tsx loader), then fails
// if any media or broker process that was not running before is still running after (a leak).
//
// usage: node scripts/run-tests.mjs [--node 24|PATH] [substring-of-test-path ...]
//   --node 24    run on the Node 24 that `bash scripts/setup.sh --dev` put in .tmp/node24 (the npm
//                registry's node-linux-<arch> package); --node PATH runs on that binary. Its
//                directory goes first on PATH, so tests that run `node` get the same version.
//   Debian's sbin directories are appended to PATH: mosquitto and nats-server live in /usr/sbin.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The node binary to run the tests on: this one, or --node's. */
function chooseNode(args) {
  const at = args.indexOf('--node');
  if (at === -1) return process.execPath;
  const wanted = args[at + 1];
  args.splice(at, 2);
  if (!wanted) throw new Error('--node needs a version (24) or a path');
  if (!/^\d+$/.test(wanted)) return resolve(wanted);
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const bin = join(root, '.tmp', `node${wanted}`, 'node_modules', `node-linux-${arch ?? process.arch}`, 'bin', 'node');
  if (!existsSync(bin)) throw new Error(`no Node ${wanted} at ${bin}: run bash scripts/setup.sh --dev (it fetches node-linux-${arch ?? process.arch}@${wanted} from the npm registry)`);
  return bin;
}

const args = process.argv.slice(2);
let node;
try {
  node = chooseNode(args);
} catch (error) {
  console.error(`run-tests: ${error.message}`);
  process.exit(64);
}
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
if (!version) {
  console.error(`run-tests: ${node} does not run`);
  process.exit(64);
}
const filter = args;
const files = ROOTS.flatMap((root) => findTests(root))
  .filter((file) => filter.length === 0 || filter.some((part) => file.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const before = watchedProcesses();
const concurrency = process.env.LOOKOUT_TEST_CONCURRENCY ?? '2';
const sbin = ['/usr/local/sbin', '/usr/sbin', '/sbin'];
const path = [dirname(node), ...(process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((dir) => dir && !sbin.includes(dir)), ...sbin].join(':');
console.log(`run-tests: ${files.length} files on node ${version} (${node}), concurrency ${concurrency}`);
const result = spawnSync(node, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...files], {
  stdio: 'inherit',
  env: { ...process.env, PATH: path },
});
// Give exiting processes a moment to be reaped before counting leftovers.
await new Promise((resolve) => setTimeout(resolve, 500));
const leaked = [...watchedProcesses()].filter(([pid]) => !before.has(pid));
if (leaked.length > 0) {
  console.error(`tests left processes running: ${leaked.map(([pid, comm]) => `${comm}(${pid})`).join(', ')}`);
  process.exit(1);
}
console.log(`run-tests: node ${version}: ${result.status === 0 ? 'passed' : `FAILED (exit ${result.status ?? result.signal})`}`);
process.exit(result.status ?? 1);
