import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNNER = join(ROOT, 'scripts', 'run-tests.mjs');

/** A scratch project (tests found relative to the working directory) with one passing and one failing test. */
function project(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-run-tests-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  mkdirSync(join(dir, 'common', 'test'), { recursive: true });
  const header = "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\n";
  writeFileSync(join(dir, 'common', 'test', 'good.test.ts'), `${header}void test('adds', () => assert.equal(1 + 1, 2));\n`);
  writeFileSync(
    join(dir, 'common', 'test', 'bad.test.ts'),
    `${header}void test('fails', () => assert.equal(process.version, 'v0.0.0'));\nvoid test('skipped', { skip: true }, () => {});\n`,
  );
  return dir;
}

function run(cwd: string, args: string[]) {
  // No leak check in the nested run: it would count the ffmpeg children of tests running beside this one.
  const env = { ...process.env, LOOKOUT_TEST_CONCURRENCY: '1', LOOKOUT_TEST_NO_LEAK_CHECK: '1' };
  return spawnSync(process.execPath, [RUNNER, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env });
}

void test('each --node runs the whole selection, also after a failing run; the summary gives each run its counts', (t) => {
  const dir = project(t);
  const result = run(dir, ['--node', 'current', '--node', process.execPath]);
  assert.equal(result.status, 1, result.stdout + result.stderr);
  const summary = result.stdout.split('\n').filter((line) => /^run-tests: node v[\d.]+: /.test(line));
  assert.equal(summary.length, 2, result.stdout);
  for (const line of summary) assert.match(line, /: 3 tests, 1 pass, 1 fail, 1 skipped: FAILED \(exit 1\)$/);
});

void test('a filter selects files; passing runs pass', (t) => {
  const dir = project(t);
  const result = run(dir, ['--node', 'current', 'good']);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /run-tests: 1 files on node v[\d.]+/);
  assert.match(result.stdout, /: 1 tests, 1 pass, 0 fail, 0 skipped: passed$/m);
});

void test('a --node that is not a node binary, or one not fetched yet, is refused with the reason', (t) => {
  const dir = project(t);
  const notNode = run(dir, ['--node', '/bin/true', 'good']);
  assert.equal(notNode.status, 1);
  assert.match(notNode.stdout, /run-tests: node \/bin\/true: no counts: FAILED \(not a working node binary\)/);
  const missing = run(dir, ['--node', '7', 'good']);
  assert.equal(missing.status, 64);
  assert.match(missing.stderr, /no Node 7 at .*\.tmp\/node7\/.*: run bash scripts\/setup\.sh --dev/);
});
