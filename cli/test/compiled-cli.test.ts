// The compiled CLI (cli/build.ts → dist/cli) and how bin/lookout.js launches it: the tests run it
// as users do. The runner (scripts/run-tests.mjs) compiles dist/cli first when it is stale.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { buildCli, CLI_DIST_DIR, CLI_MANIFEST_FILE, cliBuildIsCurrent } from '../build.ts';
import { LAUNCH_ENV, LAUNCH_NODE_FLAGS, LAUNCH_SHEBANG } from '../../common/launch-tuning.ts';
import { packagePath } from '../../common/package-root.ts';

const BIN = packagePath('bin', 'lookout.js');
/** This node first on PATH, so the shebang's `env node` is the node under test; no launch variables inherited. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  for (const name of [...Object.keys(LAUNCH_ENV), 'LOOKOUT_CLI', 'NODE_OPTIONS']) delete env[name];
  return { ...env, ...extra };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): { stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env, timeout: 60_000 });
  assert.equal(result.status, 0, `${command} ${args.join(' ')}: ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

void test("bin/lookout.js's first line is the launch tuning of common/launch-tuning.ts", () => {
  assert.equal(readFileSync(BIN, 'utf8').split('\n')[0], LAUNCH_SHEBANG);
  assert.match(LAUNCH_SHEBANG, /^#!\/usr\/bin\/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 --optimize-for-size$/);
});

void test('executed, bin/lookout.js runs the compiled CLI with the launch tuning; `node bin/lookout.js` runs it untuned; LOOKOUT_CLI=sources runs the TypeScript', () => {
  assert.ok(cliBuildIsCurrent(), 'dist/cli is stale: scripts/run-tests.mjs compiles it (npm run build)');
  const version = `lookout ${(JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version} on node ${process.version}`;

  const executed = run(BIN, ['--version'], cleanEnv());
  assert.equal(executed.stdout, `${version}: compiled CLI (dist/cli); launch tuning on\n`);
  assert.equal(executed.stderr, '', 'no warning when the build is current');

  const plain = run(process.execPath, [BIN, '--version'], cleanEnv());
  const missing = [...Object.entries(LAUNCH_ENV).map(([name, value]) => `${name}=${value}`), ...LAUNCH_NODE_FLAGS];
  assert.equal(plain.stdout, `${version}: compiled CLI (dist/cli); launch tuning off (no ${missing.join(', no ')})\n`);

  const sources = run(process.execPath, [BIN, '--version'], cleanEnv({ LOOKOUT_CLI: 'sources' }));
  assert.match(sources.stdout, /: TypeScript sources through tsx; launch tuning off/);
  assert.equal(sources.stderr, '', 'asked for the sources: no warning');
});

void test('a command runs from the compiled CLI end to end (check-config on a bad file names the field)', (t) => {
  const dir = mkdtempSync(join(packagePath('.tmp'), 'compiled-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'lookout.yml');
  spawnSync('sh', ['-c', `printf 'cameras:\\n  - id: Front Door\\n    source: rtsp://cam/x\\n' > '${file}'`]);
  const result = spawnSync(BIN, ['check-config', '--config', file], { encoding: 'utf8', env: cleanEnv(), timeout: 60_000 });
  assert.notEqual(result.status, 0);
  assert.match(result.stdout + result.stderr, /cameras\.0\.id|cameras\[0\]\.id/);
  assert.doesNotMatch(result.stderr, /LOOKOUT_CLI_BUNDLE/, 'ran compiled, not the tsx fallback');
});

/** Bare package names a compiled module imports statically, following its relative imports. */
function staticPackages(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    // Static imports only: `import ... from "x"` and `import "x"` (dynamic import() calls are lazy).
    for (const match of text.matchAll(/^\s*import\s+(?:[^'"()]*?\s+from\s+)?["']([^"']+)["'];?/gm)) {
      const specifier = match[1]!;
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return packages;
}

void test('compiled into a fresh directory: one module per command, code splitting keeps commands lazy (`lookout detect` loads no HTTP server, image library or metrics)', async (t) => {
  const dir = mkdtempSync(join(packagePath('.tmp'), 'cli-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await buildCli(dir);
  const manifest = JSON.parse(readFileSync(join(dir, CLI_MANIFEST_FILE), 'utf8')) as { bundle: string; sources: Record<string, { sha256: string; size: number; mtimeMs: number }> };
  assert.equal(manifest.bundle, 'lookout.mjs');
  const sources = Object.keys(manifest.sources);
  assert.ok(sources.includes('../../cli/lookout.ts') && sources.includes('../../cli/commands/detect.ts'), 'sources are named relative to dist/cli');
  assert.ok(sources.every((source) => !source.includes('node_modules')), 'npm packages stay imports');
  for (const recorded of Object.values(manifest.sources)) assert.match(recorded.sha256, /^[0-9a-f]{64}$/);

  const entryPackages = staticPackages(join(dir, 'lookout.mjs'));
  assert.deepEqual([...entryPackages].filter((name) => !name.startsWith('node:')), [], 'the entry imports no package before a command is chosen');
  const detect = staticPackages(join(dir, 'commands', 'detect.mjs'));
  assert.ok(detect.has('onnxruntime-node') || detect.has('execa'), `detect imports its own packages: ${[...detect].join(', ')}`);
  for (const heavy of ['fastify', 'sharp', 'prom-client']) assert.ok(!detect.has(heavy), `lookout detect must not load ${heavy}`);
  const gateway = staticPackages(join(dir, 'commands', 'gateway.mjs'));
  assert.ok(gateway.has('fastify'), 'the walk finds what a command does load');
  assert.equal(CLI_DIST_DIR, packagePath('dist', 'cli'));
});
