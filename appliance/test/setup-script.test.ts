import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts');

/** A copy of scripts/setup.sh (and the mediamtx installer) in a temp checkout, so nothing real changes. */
function checkout(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'lookout-setup-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'scripts'));
  for (const name of ['setup.sh', 'install-mediamtx.sh']) copyFileSync(join(SCRIPTS, name), join(root, 'scripts', name));
  return root;
}

/** A PATH holding only the listed tools (symlinks), to simulate a machine without ffmpeg. */
function pathWith(root: string, tools: string[]): string {
  const bin = join(root, 'fake-path');
  mkdirSync(bin);
  for (const tool of tools) {
    const real = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (real) symlinkSync(real, join(bin, tool));
  }
  return bin;
}

const BASICS = ['bash', 'dirname', 'id', 'node', 'npm', 'sed', 'head', 'cut', 'uname', 'cat'];

void test('setup.sh passes shellcheck', () => {
  const result = spawnSync('shellcheck', [join(SCRIPTS, 'setup.sh')], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

void test('dry run on a ready machine: exit 0, says what it skipped and why', (t) => {
  const root = checkout(t);
  const result = spawnSync('bash', [join(root, 'scripts', 'setup.sh'), '--dry-run'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /skipped +ffmpeg: already installed \(ffmpeg version/);
  assert.match(result.stdout, /skipped +npm dependencies: would run: npm ci \(dry run\)/);
  assert.match(result.stdout, /dry run: nothing was changed/);
});

void test('no ffmpeg: a dry run would use apt-get; with --skip-apt it is MISSING and the exit is 1', (t) => {
  const root = checkout(t);
  const path = pathWith(root, [...BASICS, 'apt-get']);
  const env = { PATH: path, HOME: root };
  const dry = spawnSync('bash', [join(root, 'scripts', 'setup.sh'), '--dry-run'], { encoding: 'utf8', env, timeout: 30_000 });
  assert.match(dry.stdout, /ffmpeg: would run: apt-get install --no-install-recommends ffmpeg/);
  const skipApt = spawnSync('bash', [join(root, 'scripts', 'setup.sh'), '--skip-apt', '--skip-npm', '--skip-mediamtx'], { encoding: 'utf8', env, timeout: 30_000 });
  assert.equal(skipApt.status, 1);
  assert.match(skipApt.stdout, /MISSING +ffmpeg: not installed and --skip-apt given/);
  assert.match(skipApt.stdout, /skipped +mediamtx: --skip-mediamtx given/);
  assert.match(skipApt.stdout, /not ready/);
});

void test('offline: the mediamtx download fails, setup says it skipped it and still succeeds', async (t) => {
  const root = checkout(t);
  // A local address that refuses connections stands in for "no internet".
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const result = spawnSync('bash', [join(root, 'scripts', 'setup.sh'), '--skip-npm'], {
    encoding: 'utf8',
    env: { ...process.env, MEDIAMTX_BASE_URL: `http://127.0.0.1:${port}/mediamtx` },
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /skipped +mediamtx: could not download it \(offline\?\)/);
  assert.equal(existsSync(join(root, 'bin', 'mediamtx')), false);
});
