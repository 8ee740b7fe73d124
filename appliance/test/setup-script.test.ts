import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPTS = join(ROOT, 'scripts');
const SETUP = readFileSync(join(SCRIPTS, 'setup.sh'), 'utf8');
/** The tool list: setup.sh's `<<'TOOLS'` here-document. */
const TOOL_LIST = /<<'TOOLS'\n([\s\S]*?)\nTOOLS\n/;
const TOOLS = TOOL_LIST.exec(SETUP)?.[1] ?? '';

/** The copied setup.sh with its tool list replaced by `tools`. */
function writeToolList(root: string, tools: string): void {
  writeFileSync(join(root, 'scripts', 'setup.sh'), SETUP.replace(TOOL_LIST, () => `<<'TOOLS'\n${tools.replace(/\n$/, '')}\nTOOLS\n`));
}

/** A copy of scripts/setup.sh, its tool list and the mediamtx installer in a temp checkout, so nothing real changes. */
function checkout(t: { after: (fn: () => void) => void }): string {
  const root = mkdtempSync(join(tmpdir(), 'lookout-setup-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'scripts'));
  for (const name of ['setup.sh', 'install-mediamtx.sh']) copyFileSync(join(SCRIPTS, name), join(root, 'scripts', name));
  return root;
}

/** A PATH holding only the listed tools (symlinks), to simulate a machine without ffmpeg and friends. */
function pathWith(root: string, tools: string[]): string {
  const bin = join(root, 'fake-path');
  mkdirSync(bin);
  for (const tool of tools) {
    const real = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (real) symlinkSync(real, join(bin, tool));
  }
  return bin;
}

const BASICS = ['bash', 'dirname', 'id', 'node', 'npm', 'sed', 'head', 'cut', 'uname', 'cat', 'mktemp', 'rm', 'mkdir', 'env', 'chmod'];

/** [program, Debian package] rows the tool list has for a scope (what setup.sh may apt-get install). */
function aptRows(scope: 'run' | 'dev'): Array<[string, string]> {
  const rows = TOOLS.split('\n').map((line) => line.replace(/#.*$/, '').trim().split(/\s+/));
  return rows
    .filter(([program, source, s]) => program && source && s === scope && !/^(essential|node|optional|script:.*)$/.test(source))
    .map(([program, source]) => [program!, source!]);
}

function setup(root: string, args: string[], env?: NodeJS.ProcessEnv) {
  return spawnSync('bash', [join(root, 'scripts', 'setup.sh'), ...args], { encoding: 'utf8', env, timeout: 60_000 });
}

void test('setup.sh passes shellcheck', () => {
  const result = spawnSync('shellcheck', [join(SCRIPTS, 'setup.sh')], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

void test('dry run on a ready machine: exit 0, says what it skipped and why', (t) => {
  const root = checkout(t);
  const result = setup(root, ['--dry-run']);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /skipped +ffmpeg: already installed \(ffmpeg version/);
  assert.match(result.stdout, /skipped +npm dependencies: would run: npm ci \(dry run\)/);
  assert.match(result.stdout, /dry run: nothing was changed/);
  assert.doesNotMatch(result.stdout, /mosquitto|node 24/, 'test tools only with --dev');
});

void test('no ffmpeg: a dry run would use apt-get; with --skip-apt it is MISSING and the exit is 1', (t) => {
  const root = checkout(t);
  const path = pathWith(root, [...BASICS, 'apt-get']);
  const env = { PATH: path, HOME: root };
  const dry = setup(root, ['--dry-run'], env);
  assert.match(dry.stdout, /ffmpeg: would run: apt-get install --no-install-recommends ffmpeg/);
  const skipApt = setup(root, ['--skip-apt', '--skip-npm', '--skip-mediamtx'], env);
  assert.equal(skipApt.status, 1);
  assert.match(skipApt.stdout, /MISSING +ffmpeg: not installed and --skip-apt given; install Debian package ffmpeg/);
  assert.match(skipApt.stdout, /skipped +mediamtx: --skip-mediamtx given/);
  assert.match(skipApt.stdout, /not ready/);
});

void test('--dev on a bare machine: every test tool of the setup.sh tool list would be installed, and Node 24 from the npm registry', (t) => {
  const root = checkout(t);
  const env = { PATH: pathWith(root, [...BASICS, 'apt-get']), HOME: root };
  const dry = setup(root, ['--dev', '--dry-run', '--skip-mediamtx'], env);
  assert.equal(dry.status, 0, dry.stdout + dry.stderr);
  const dev = [...aptRows('run'), ...aptRows('dev')].map(([, source]) => source);
  for (const name of ['mosquitto', 'mosquitto-clients', 'nats-server', 'shellcheck', 'systemd', 'procps', 'python3', 'chromium', 'openssl']) assert.ok(dev.includes(name), `${name} is listed`);
  // Each would be installed, unless found in an sbin directory (which setup.sh also looks in, as the PATH symlinks cannot hide it).
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const [program, source] of [...aptRows('run'), ...aptRows('dev')]) {
    const installs = `would run: apt-get install --no-install-recommends ${escape(source)} \\(dry run\\)`;
    assert.match(dry.stdout, new RegExp(`skipped +${escape(program)}: (${installs}|already installed \\(/(usr/(local/)?)?sbin/)`), program);
  }
  assert.match(dry.stdout, /node 24: would run: npm install --prefix \.tmp\/node24 --no-save node-linux-(x64|arm64)@24/);
});

void test('apt-get is run once for what is missing, then each program is reported installed (FAKE apt-get: the real one would change this machine)', (t) => {
  const root = checkout(t);
  // No npm on this PATH: --dev must not fetch Node 24 from the registry in a test (loopback only).
  const path = pathWith(root, BASICS.filter((tool) => tool !== 'npm'));
  writeToolList(root, 'ffmpeg ffmpeg run why\nwidget-cli widgets dev why\nbash essential run why\n');
  // The fake records its arguments and "installs" a package by putting its program on the PATH.
  writeFileSync(
    join(path, 'apt-get'),
    `#!/bin/bash\necho "$*" >>"${root}/apt.log"\n[[ "$1" == install ]] || exit 0\nfor p in "$@"; do case "$p" in\n` +
      `ffmpeg) printf '#!/bin/sh\\necho "ffmpeg version 9.9-fake"\\n' >"${path}/ffmpeg"; chmod +x "${path}/ffmpeg" ;;\n` +
      `widgets) printf '#!/bin/sh\\n' >"${path}/widget-cli"; chmod +x "${path}/widget-cli" ;;\nesac; done\n`,
  );
  chmodSync(join(path, 'apt-get'), 0o755);
  const result = setup(root, ['--dev', '--quiet', '--skip-npm', '--skip-mediamtx'], { PATH: path, HOME: root });
  const log = existsSync(join(root, 'apt.log')) ? readFileSync(join(root, 'apt.log'), 'utf8') : '';
  if (process.getuid?.() === 0) {
    assert.match(log, /^update -qq\ninstall -y -qq --no-install-recommends ffmpeg widgets\n$/);
    assert.match(result.stdout, /installed +ffmpeg: ffmpeg version 9\.9-fake \(apt package ffmpeg\)/);
    assert.match(result.stdout, /installed +widget-cli: .*widget-cli \(apt package widgets\)/);
    assert.doesNotMatch(result.stdout, /skipped/, '--quiet leaves out what was already there');
    // Node 24 cannot be fetched without npm on this PATH: said, and the exit is 1.
    assert.match(result.stdout, /MISSING +node 24: npm is not installed, so node-linux-(x64|arm64)@24 cannot be fetched/);
    assert.equal(result.status, 1);
  } else {
    assert.equal(log, '', 'not root and no sudo: apt-get is not run');
    assert.match(result.stdout, /MISSING +ffmpeg: not installed; not root and no sudo/);
  }
  // A second run finds everything and installs nothing more.
  const again = setup(root, ['--quiet', '--skip-npm', '--skip-mediamtx'], { PATH: path, HOME: root });
  if (process.getuid?.() === 0) {
    assert.equal(again.status, 0, again.stdout + again.stderr);
    assert.equal(again.stdout, '', '--quiet prints nothing when all is in place');
    assert.equal(readFileSync(join(root, 'apt.log'), 'utf8').split('\n').filter(Boolean).length, 2);
  }
});

void test('unknown argument: exit 64 naming it', (t) => {
  const root = checkout(t);
  const result = setup(root, ['--fast']);
  assert.equal(result.status, 64);
  assert.match(result.stderr, /unknown argument: --fast/);
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
