import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHECK = join(ROOT, 'scripts', 'check-tools.mjs');

function check(args: string[]) {
  return spawnSync(process.execPath, [CHECK, ...args], { encoding: 'utf8', timeout: 60_000 });
}

/** A scratch tree with one gateway source file and a tools list of our choosing. */
function tree(t: { after: (fn: () => void) => void }, source: string, tools: string): string {
  const root = mkdtempSync(join(tmpdir(), 'lookout-tools-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'gateway'));
  mkdirSync(join(root, 'scripts'));
  writeFileSync(join(root, 'gateway', 'runner.ts'), source);
  writeTools(root, tools);
  return root;
}

/** A setup.sh whose tool list (its `<<'TOOLS'` here-document, where check-tools reads it) is `tools`. */
function writeTools(root: string, tools: string): void {
  const script = ['#!/bin/bash', "TOOL_LIST=$(cat <<'TOOLS'", tools.replace(/\n$/, ''), 'TOOLS', ')', ''].join('\n');
  writeFileSync(join(root, 'scripts', 'setup.sh'), script);
}

void test('this checkout: every program the sources run is in the tool list of scripts/setup.sh', () => {
  const result = check(['--verbose']);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  for (const program of ['ffmpeg', 'ffprobe', 'mosquitto', 'nats-server', 'shellcheck', 'systemd-analyze', 'python3']) {
    assert.match(result.stdout, new RegExp(`^  ${program} +\\S`, 'm'), `${program} is found in the sources`);
  }
  assert.doesNotMatch(result.stdout, /NOT LISTED/);
});

void test('a program missing from the list fails the check, naming it and where it runs', (t) => {
  const source = [
    "import { spawn } from 'node:child_process';",
    "import { execa } from 'execa';",
    "const tool = process.env.X ?? 'frobnicate';",
    "spawn(tool, ['-v']);",
    "await execa('ffmpeg', ['-version']);",
    "const spec = { name: 'x', command: '/usr/bin/widget', args: [] };",
    '',
  ].join('\n');
  const root = tree(t, source, 'ffmpeg ffmpeg run why\n');
  const failed = check(['--root', root]);
  assert.equal(failed.status, 1, failed.stdout + failed.stderr);
  assert.match(failed.stderr, /frobnicate is run by gateway\/runner\.ts:4 but is not in/);
  assert.match(failed.stderr, /widget is run by gateway\/runner\.ts:6 but is not in/);
  assert.doesNotMatch(failed.stderr, /ffmpeg is run/);

  writeTools(root, 'ffmpeg ffmpeg run why\nfrobnicate frob dev why\nwidget widgets run why\n');
  const passed = check(['--root', root]);
  assert.equal(passed.status, 0, passed.stdout + passed.stderr);
  assert.match(passed.stdout, /3 programs run by the sources, all in setup\.sh's tool list/);
});

void test('not programs: comments, control commands, definitions, fixtures; a configured path is unresolved, not a failure', (t) => {
  const source = [
    "// spawn('commented-out')",
    "const reply = { command: 'stream.pause', camera: 'cam1' };",
    'function run(argv: string[]) { return argv; }',
    "spawn(join(FIXTURES, 'forever'), []);",
    'spawn(options.ffmpeg.path, []);',
    '',
  ].join('\n');
  const root = tree(t, source, 'ffmpeg ffmpeg run why\n');
  const result = check(['--root', root, '--verbose']);
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /unresolved +gateway\/runner\.ts:5 +options\.ffmpeg\.path/);
  assert.match(result.stdout, /0 programs run by the sources/);
});

void test('a malformed tools list is refused with its line', (t) => {
  const root = tree(t, '', 'ffmpeg ffmpeg sometimes\n');
  const result = check(['--root', root]);
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /tools list line 1: expected "program source run\|dev why"/);
});
