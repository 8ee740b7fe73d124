#!/usr/bin/env node
// Runs every *.test.ts under the source folders with node's test runner (tsx loader), then fails
// if any media or broker process that was not running before is still running after (a leak).
//
// usage: node scripts/run-tests.mjs [--node current|24|PATH ...] [substring-of-test-path ...]
//   --node 24       run on the Node 24 that `bash scripts/setup.sh --dev` put in .tmp/node24 (the npm
//                   registry's node-linux-<arch> package); --node PATH runs on that binary; current
//                   (the default) on this one. Repeat it to run the suite once per Node, one after
//                   the other (npm run check: --node current --node 24); every run happens even when
//                   an earlier one failed, and a summary with each run's counts ends the output.
//   The chosen node's directory goes first on PATH, so tests that run `node` get the same version.
//   Debian's sbin directories are appended to PATH: mosquitto and nats-server live in /usr/sbin.
//   Each run's TAP also goes to a file in .tmp/test-results while it runs (the counts come from it).
//   LOOKOUT_TEST_NO_LEAK_CHECK=1 skips the leak check (it sees every new ffmpeg on the machine, so a
//   run nested in a test, beside the suite's own ffmpeg children, would count those).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
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

/** The node binary for a --node value: this one, a version fetched into .tmp, or a path. */
function nodeBinary(wanted) {
  if (wanted === 'current') return process.execPath;
  if (!/^\d+$/.test(wanted)) return resolve(wanted);
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch] ?? process.arch;
  const bin = join(REPO, '.tmp', `node${wanted}`, 'node_modules', `node-linux-${arch}`, 'bin', 'node');
  if (!existsSync(bin)) throw new Error(`no Node ${wanted} at ${bin}: run bash scripts/setup.sh --dev (it fetches node-linux-${arch}@${wanted} from the npm registry)`);
  return bin;
}

/** Splits argv into the --node values (default: current) and the test path filters. */
function parseArgs(argv) {
  const nodes = [];
  const filters = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--node') filters.push(argv[i]);
    else if (argv[i + 1]) nodes.push(argv[++i]);
    else throw new Error('--node needs current, a major version (24) or a path');
  }
  return { nodes: nodes.length > 0 ? nodes : ['current'], filters };
}

/** pass/fail/skipped counts from the TAP summary lines, or undefined when the run wrote none. */
function counts(tapFile) {
  if (!existsSync(tapFile)) return undefined;
  const text = readFileSync(tapFile, 'utf8');
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  const found = { tests: count('tests'), pass: count('pass'), fail: count('fail'), skipped: count('skipped') };
  return Number.isNaN(found.tests) ? undefined : found;
}

/** Runs the files on one node; returns what the summary needs. */
async function runOn(node, files) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim() ?? '';
  if (!/^v\d+\.\d+\.\d+$/.test(version)) return { version: node, ok: false, note: 'not a working node binary' };
  const before = watchedProcesses();
  const concurrency = process.env.LOOKOUT_TEST_CONCURRENCY ?? '2';
  const sbin = ['/usr/local/sbin', '/usr/sbin', '/sbin'];
  const path = [dirname(node), ...(process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((dir) => dir && !sbin.includes(dir)), ...sbin].join(':');
  const results = join(REPO, '.tmp', 'test-results');
  mkdirSync(results, { recursive: true });
  const tapFile = join(results, `node-${version}.${process.pid}.tap`); // per run: concurrent runs do not mix
  const reporters = ['--test-reporter', process.stdout.isTTY ? 'spec' : 'tap', '--test-reporter-destination', 'stdout', '--test-reporter', 'tap', '--test-reporter-destination', tapFile];
  console.log(`run-tests: ${files.length} files on node ${version} (${node}), concurrency ${concurrency}`);
  const env = { ...process.env, PATH: path };
  delete env.NODE_TEST_CONTEXT; // set inside a test; the runner would then skip every file
  const result = spawnSync(node, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...reporters, ...files], { stdio: 'inherit', env });
  // Give exiting processes a moment to be reaped before counting leftovers.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const leaked = process.env.LOOKOUT_TEST_NO_LEAK_CHECK === '1' ? [] : [...watchedProcesses()].filter(([pid]) => !before.has(pid));
  if (leaked.length > 0) console.error(`tests left processes running: ${leaked.map(([pid, comm]) => `${comm}(${pid})`).join(', ')}`);
  const exit = result.status ?? result.signal;
  const notes = [exit === 0 ? '' : `exit ${exit}`, leaked.length > 0 ? `left ${leaked.length} processes running` : ''].filter(Boolean);
  const found = counts(tapFile);
  rmSync(tapFile, { force: true });
  // A run that reports no tests did not test anything (e.g. NODE_TEST_CONTEXT inherited from a parent test run).
  if (!found || found.tests === 0) notes.push('no tests ran');
  return { version, ok: exit === 0 && leaked.length === 0 && (found?.tests ?? 0) > 0, counts: found, note: notes.join(', ') };
}

let plan;
try {
  const { nodes, filters } = parseArgs(process.argv.slice(2));
  plan = { binaries: nodes.map(nodeBinary), filters };
} catch (error) {
  console.error(`run-tests: ${error.message}`);
  process.exit(64);
}
const files = ROOTS.flatMap((root) => findTests(root))
  .filter((file) => plan.filters.length === 0 || plan.filters.some((part) => file.includes(part)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Tests run bin/lookout.js, which runs the compiled CLI (dist/cli) when it matches the sources:
// compile it first when stale, so they exercise what users run and not the tsx fallback.
const build = spawnSync(process.execPath, ['--import', 'tsx', 'cli/build.ts', '--if-stale'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
if (build.status !== 0) {
  console.error(`run-tests: compiling the CLI (node --import tsx cli/build.ts) failed: ${build.error?.message ?? `exit ${build.status ?? build.signal}`}\n${build.stderr ?? ''}`);
  process.exit(1);
}
const runs = [];
for (const node of plan.binaries) runs.push(await runOn(node, files));
for (const run of runs) {
  const c = run.counts;
  const numbers = c ? `${c.tests} tests, ${c.pass} pass, ${c.fail} fail, ${c.skipped} skipped` : 'no counts';
  console.log(`run-tests: node ${run.version}: ${numbers}: ${run.ok ? 'passed' : `FAILED${run.note ? ` (${run.note})` : ''}`}`);
}
process.exit(runs.every((run) => run.ok) ? 0 : 1);
