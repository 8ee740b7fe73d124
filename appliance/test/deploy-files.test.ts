import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { LAUNCH_ENV, LAUNCH_NODE_FLAGS } from '../../common/launch-tuning.ts';

// No Docker engine here: the Dockerfile and compose file are checked statically.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEPLOY = join(ROOT, 'deploy');

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Array<{ op: string; args: string }> {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

void test('Dockerfile: Debian node 24 base, ffmpeg from apt, npm ci --omit=dev without the CUDA download, tini, non-root, pinned mediamtx', () => {
  const steps = instructions(readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8'));
  const froms = steps.filter((step) => step.op === 'FROM').map((step) => step.args);
  assert.equal(froms.at(-1), 'node:24-bookworm-slim');
  const mediamtxArg = steps.find((step) => step.op === 'ARG' && step.args.startsWith('MEDIAMTX_IMAGE='));
  assert.equal(mediamtxArg?.args, 'MEDIAMTX_IMAGE=bluenviron/mediamtx:1.20.1');
  const runs = steps.filter((step) => step.op === 'RUN').map((step) => step.args);
  assert.ok(runs.some((run) => /apt-get install .*\bffmpeg\b/.test(run) && /\btini\b/.test(run)));
  assert.ok(runs.some((run) => /ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev/.test(run)), "onnxruntime-node's documented switch skips the CUDA download");
  const users = steps.filter((step) => step.op === 'USER').map((step) => step.args);
  assert.ok(users.length > 0 && !['root', '0'].includes(users.at(-1) ?? 'root'), 'runs as non-root');
  const entrypoint = steps.find((step) => step.op === 'ENTRYPOINT')?.args ?? '';
  assert.deepEqual(JSON.parse(entrypoint), ['/usr/bin/tini', '--', 'node', ...LAUNCH_NODE_FLAGS, '/opt/lookout/bin/lookout.js'], 'ENTRYPOINT runs node with the launch tuning');
  const envs = steps.filter((step) => step.op === 'ENV').map((step) => step.args);
  for (const [name, value] of Object.entries(LAUNCH_ENV)) assert.ok(envs.includes(`${name}=${value}`), `ENV ${name}=${value} (the launch tuning)`);
  assert.ok(runs.includes('node --import tsx cli/build.ts'), 'the image compiles the CLI (dist/cli)');
  assert.ok(steps.some((step) => step.op === 'COPY' && step.args === 'web/dist ./web/dist'), 'the web page is in the image');
  assert.ok(steps.some((step) => step.op === 'COPY' && step.args === '--from=mediamtx /mediamtx ./bin/mediamtx'));
  for (const step of steps.filter((s) => s.op === 'FROM' || s.op === 'ARG')) assert.doesNotMatch(step.args, /:latest\b/);
  // Every COPY source exists in the repository (a renamed folder must not break the image).
  for (const step of steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'))) {
    const sources = step.args.split(/\s+/).slice(0, -1);
    for (const source of sources) {
      if (source === 'test/fixtures/models' && !existsSync(join(ROOT, source))) continue; // bundled by the detector part
      assert.ok(existsSync(join(ROOT, source)), `COPY source ${source} is missing`);
    }
  }
  // tsx must be a runtime dependency: it brings esbuild for cli/build.ts, and bin/lookout.js falls back to it.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.ok(pkg.dependencies.tsx, 'tsx in dependencies');
});

void test('compose.yaml: pinned images, no latest, lookout non-root with a bounded stop, /dev/dri commented', () => {
  const text = readFileSync(join(DEPLOY, 'compose.yaml'), 'utf8');
  const compose = parse(text) as {
    services: Record<string, { image?: string; build?: { args?: Record<string, string> }; user?: string; stop_grace_period?: string; devices?: unknown; volumes?: string[] }>;
  };
  const { lookout, mosquitto } = compose.services;
  assert.ok(lookout && mosquitto);
  assert.equal(lookout.build?.args?.MEDIAMTX_IMAGE, 'bluenviron/mediamtx:1.20.1');
  assert.equal(mosquitto.image, 'eclipse-mosquitto:2');
  assert.doesNotMatch(text, /:latest\b/);
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.image && !service.build) assert.match(service.image, /:[0-9][\w.-]*$/, `${name} image must carry a version tag`);
  }
  assert.notEqual(lookout.user, 'root');
  assert.ok(/^\d+s$/.test(lookout.stop_grace_period ?? '') && Number.parseInt(lookout.stop_grace_period ?? '0', 10) > 10, 'stop grace above shutdown_timeout');
  assert.equal(lookout.devices, undefined, '/dev/dri stays commented until the user opts in');
  assert.match(text, /^\s*#\s+- \/dev\/dri:\/dev\/dri$/m);
  // The mosquitto config the compose file mounts exists and allows the compose network in.
  const mount = mosquitto.volumes?.find((volume) => volume.includes('mosquitto.conf'));
  assert.ok(mount);
  const conf = readFileSync(join(DEPLOY, mount.split(':')[0] ?? ''), 'utf8');
  assert.match(conf, /^listener 1883$/m);
});
