// MediamtxSidecar with the FAKE mediamtx fixture (test/fixtures/fake-mediamtx/fake-mediamtx.mjs), which
// imitates mediamtx's process behaviour from the shared facts: ready delay, `ERR:` + exit 1 on unknown
// keys, exit 0 on a failed hot reload, crash, graceful SIGINT. The real binary is not used here.
import { freePort } from '../../../test/support/free-port.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { silentLogger } from '../../../common/log.ts';
import { mediamtxAuthPlugin } from '../auth-endpoint.ts';
import { PublishCredentials } from '../publish-credentials.ts';
import { MediamtxApiError } from '../errors.ts';
import { parseConfig } from '../../../common/config/load.ts';
import { buildMediamtxConfig, parseBaseConfig } from '../render-config.ts';
import { MediamtxSidecar, cleanEnvironment, type SidecarExit } from '../sidecar.ts';
import { locateMediamtx } from '../locate-binary.ts';
import { MediamtxNotFoundError } from '../errors.ts';
import { MediamtxApiClient } from '../api-client.ts';

const FAKE = fileURLToPath(new URL('../../../test/fixtures/fake-mediamtx/fake-mediamtx.mjs', import.meta.url));
const BASE = fileURLToPath(new URL('../../../mediamtx.yml', import.meta.url));


interface FixtureOverrides {
  readyTimeoutMs?: number;
  stopGraceMs?: number;
  extraBase?: Record<string, unknown>;
  gatewayUrl?: string;
  apiCredentials?: { user: string; password: string };
}

async function fixture(fakeEnv: Record<string, string>, overrides: FixtureOverrides = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'lookout-sidecar-'));
  const apiPort = await freePort();
  const lookout = parseConfig({ mediamtx: { api_port: apiPort } }, { env: {} });
  const base = { ...parseBaseConfig(await readFile(BASE, 'utf8')), ...overrides.extraBase };
  let text: string;
  try {
    text = buildMediamtxConfig(base, lookout, { gatewayUrl: overrides.gatewayUrl ?? 'http://127.0.0.1:1', lookoutBin: '/x/lookout.js' }).text;
  } catch {
    text = `${JSON.stringify(base)}\n`; // an invalid base on purpose: written as-is for the fake to refuse
  }
  const configFile = join(dir, 'mediamtx.effective.yml');
  await writeFile(configFile, text);
  const sidecar = new MediamtxSidecar({
    bin: FAKE,
    configFile,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    readyTimeoutMs: overrides.readyTimeoutMs ?? 8000,
    stopGraceMs: overrides.stopGraceMs ?? 3000,
    apiTimeoutMs: 500,
    backoff: { initialMs: 50, maxMs: 200, resetAfterMs: 60_000 },
    logger: silentLogger(),
    cwd: dir,
    extraEnv: fakeEnv,
    readyPollMs: 50,
    ...(overrides.apiCredentials ? { apiCredentials: overrides.apiCredentials } : {}),
  });
  const exits: SidecarExit[] = [];
  sidecar.on('exit', (exit) => exits.push(exit));
  const cleanup = async () => {
    await sidecar.stop();
    await rm(dir, { recursive: true, force: true });
  };
  return { sidecar, exits, dir, apiUrl: `http://127.0.0.1:${apiPort}`, cleanup };
}

function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

void test('starts with a clean environment, becomes ready on GET /v3/info, stops with SIGINT (exit 0)', async () => {
  const leaked = { MTX_RTSPADDRESS: ':1', RTSP_PROTOCOLS: 'udp', MTX_PATHS_X_SOURCE: 'rtsp://evil' };
  Object.assign(process.env, leaked);
  const dump = join(tmpdir(), `lookout-env-${process.pid}-${Date.now()}.jsonl`);
  const { sidecar, exits, cleanup } = await fixture({ FAKE_MTX_ENV_DUMP: dump, FAKE_MTX_READY_DELAY_MS: '300', MTX_LOGLEVEL: 'debug' });
  try {
    sidecar.start();
    assert.equal(sidecar.ready, false);
    await sidecar.waitReady(8000);
    assert.equal(sidecar.ready, true);
    assert.ok(sidecar.pid);
    const envNames = JSON.parse((await readFile(dump, 'utf8')).trim().split('\n')[0]!) as string[];
    assert.deepEqual(envNames.filter((name) => /^(MTX_|RTSP_)/.test(name)), [], 'no MTX_*/RTSP_* variable reaches mediamtx');
    assert.ok(envNames.includes('PATH'));
    await sidecar.stop();
    assert.equal(exits.length, 1);
    assert.equal(exits[0]!.code, 0);
    assert.equal(exits[0]!.unexpected, false);
    assert.ok(exits[0]!.outputTail.some((line) => /shutting down gracefully \(SIGINT\)/.test(line)), 'stopped with SIGINT');
    assert.equal(sidecar.starts, 1, 'no restart after a requested stop');
  } finally {
    for (const key of Object.keys(leaked)) delete process.env[key];
    await cleanup();
    await rm(dump, { force: true });
  }
});

void test('an API that answers 401 (auth endpoint not up yet) still counts as ready', async () => {
  const { sidecar, cleanup } = await fixture({ FAKE_MTX_API_AUTH: 'deny', FAKE_MTX_READY_DELAY_MS: '20' });
  try {
    const versions: string[] = [];
    sidecar.on('ready', ({ version }) => versions.push(version));
    sidecar.start();
    await sidecar.waitReady(8000);
    assert.deepEqual(versions, ['unknown (GET /v3/info: HTTP 401)']);
  } finally {
    await cleanup();
  }
});

void test('restarts after exit 0 (a failed hot reload exits 0) and emits exit/ready each time', async () => {
  const { sidecar, exits, cleanup } = await fixture({ FAKE_MTX_BEHAVIOR: 'exit0', FAKE_MTX_EXIT_AFTER_MS: '150', FAKE_MTX_READY_DELAY_MS: '50' });
  try {
    let readies = 0;
    sidecar.on('ready', () => readies++);
    sidecar.start();
    await waitFor(() => readies >= 2 && exits.length >= 2, 20_000, 'two ready/exit cycles');
    assert.ok(exits.slice(0, 2).every((exit) => exit.code === 0 && exit.unexpected));
    assert.ok(sidecar.starts >= 2);
  } finally {
    await cleanup();
  }
});

void test('restarts after a crash, with growing backoff', async () => {
  const { sidecar, exits, cleanup } = await fixture({ FAKE_MTX_BEHAVIOR: 'crash', FAKE_MTX_EXIT_AFTER_MS: '50', FAKE_MTX_READY_DELAY_MS: '20' });
  try {
    const delays: number[] = [];
    sidecar.on('restart-scheduled', ({ delayMs }) => delays.push(delayMs));
    sidecar.start();
    await waitFor(() => exits.length >= 3, 20_000, 'three crashes');
    assert.ok(exits.every((exit) => exit.code === 2 && exit.unexpected));
    assert.ok(exits[0]!.outputTail.some((line) => line.includes('panic: fake crash')));
    assert.ok(delays.length >= 2);
    assert.ok(delays.every((delay) => delay >= 25 && delay <= 200), `delays within [initial/2, max]: ${delays.join(',')}`);
  } finally {
    await cleanup();
  }
});

void test('stop escalates to SIGKILL when mediamtx ignores SIGINT, within the grace', async () => {
  const { sidecar, exits, cleanup } = await fixture({ FAKE_MTX_BEHAVIOR: 'ignore-sigint', FAKE_MTX_READY_DELAY_MS: '20' }, { stopGraceMs: 400 });
  try {
    sidecar.start();
    await sidecar.waitReady(8000);
    const started = Date.now();
    await sidecar.stop();
    const took = Date.now() - started;
    assert.equal(exits.length, 1);
    assert.equal(exits[0]!.signal, 'SIGKILL');
    assert.ok(took >= 350 && took < 5000, `stop took ${took} ms`);
    assert.ok(exits[0]!.outputTail.some((line) => line.includes('ignoring SIGINT')));
  } finally {
    await cleanup();
  }
});

void test('a child that never answers /v3/info is stopped at the ready deadline and restarted', async () => {
  const { sidecar, exits, cleanup } = await fixture({ FAKE_MTX_BEHAVIOR: 'never-ready' }, { readyTimeoutMs: 600 });
  try {
    const timeouts: Error[] = [];
    sidecar.on('ready-timeout', (error) => timeouts.push(error));
    sidecar.start();
    await waitFor(() => exits.length >= 1 && sidecar.starts >= 2, 20_000, 'ready timeout then a restart');
    assert.equal(timeouts[0]?.name, 'MediamtxReadyTimeoutError');
    assert.equal(exits[0]!.stopRequested, true);
    assert.equal(sidecar.ready, false);
  } finally {
    await cleanup();
  }
});

void test('a config with an unknown key: the (fake) binary prints ERR on stdout and exits 1; the tail keeps it', async () => {
  const { sidecar, exits, cleanup } = await fixture({}, { extraBase: { notAKey: true } });
  try {
    sidecar.start();
    await waitFor(() => exits.length >= 1, 10_000, 'exit 1');
    assert.equal(exits[0]!.code, 1);
    assert.ok(exits[0]!.outputTail.some((line) => line === 'ERR: json: unknown field "notAKey"'));
  } finally {
    await cleanup();
  }
});

void test('cleanEnvironment keeps PATH/HOME and explicit extras, never MTX_/RTSP_', () => {
  const env = cleanEnvironment({ PATH: '/bin', HOME: '/h', SECRET: 's', MTX_A: '1', RTSP_B: '2' }, { LOOKOUT_HTTP_TOKEN: 't', MTX_C: '3' });
  assert.deepEqual(env, { PATH: '/bin', HOME: '/h', LOOKOUT_HTTP_TOKEN: 't' });
});

void test('missing binary: the error says how to install it and which mode still works', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookout-locate-'));
  try {
    assert.throws(() => locateMediamtx({ env: { PATH: dir }, cwd: dir }), (error: unknown) => {
      assert.ok(error instanceof MediamtxNotFoundError);
      assert.match(error.message, /bash scripts\/install-mediamtx\.sh/);
      assert.match(error.message, /mediamtx\.enabled: false/);
      assert.match(error.message, /publish_url/);
      assert.match(error.message, /read_from: source/);
      return true;
    });
    assert.throws(() => locateMediamtx({ configured: join(dir, 'nope'), env: {}, cwd: dir }), /mediamtx\.bin: missing or not executable/);
    assert.equal(locateMediamtx({ env: { MEDIAMTX_BIN: FAKE }, cwd: dir }), FAKE);
    const onPath = join(dir, 'pathdir');
    await mkdir(onPath);
    await writeFile(join(onPath, 'mediamtx'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(locateMediamtx({ env: { PATH: `/nonexistent:${onPath}` }, cwd: dir }), join(onPath, 'mediamtx'));
    await mkdir(join(dir, 'bin'));
    await writeFile(join(dir, 'bin', 'mediamtx'), '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(locateMediamtx({ env: { PATH: onPath }, cwd: dir }), join(dir, 'bin', 'mediamtx'), './bin/mediamtx wins over PATH');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

void test('Control API calls carry the per-boot credential; without it (a local user) the API answers 401', async () => {
  // The fake forwards API credentials to authHTTPAddress as mediamtx does (FAKE_MTX_API_AUTH=http,
  // shared docs/mediamtx.md §4); the auth endpoint there is the real one.
  const apiCredential = { user: 'lookout-api', password: 'boot-secret-for-this-test-0123' };
  const gateway = Fastify();
  await gateway.register(mediamtxAuthPlugin, {
    logger: silentLogger(),
    registry: new Registry(),
    cameraIds: [],
    viewers: [],
    detector: { user: 'lookout-detector' },
    publishCredentials: new PublishCredentials(),
    apiCredential,
  });
  await gateway.listen({ host: '127.0.0.1', port: 0 });
  const gatewayUrl = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  const { sidecar, apiUrl, cleanup } = await fixture({ FAKE_MTX_API_AUTH: 'http', FAKE_MTX_READY_DELAY_MS: '20' }, { gatewayUrl, apiCredentials: apiCredential });
  try {
    const versions: string[] = [];
    sidecar.on('ready', ({ version }) => versions.push(version));
    sidecar.start();
    await sidecar.waitReady(8000);
    assert.deepEqual(versions, ['v1.20.1'], 'the sidecar\'s own client is allowed');
    assert.equal((await sidecar.api.info()).version, 'v1.20.1');
    const anonymous = new MediamtxApiClient({ baseUrl: apiUrl, timeoutMs: 8000 });
    await assert.rejects(anonymous.info(), (error: unknown) => error instanceof MediamtxApiError && error.status === 401, 'no credential: 401');
    const guessed = new MediamtxApiClient({ baseUrl: apiUrl, timeoutMs: 8000, credentials: { user: 'lookout-api', password: 'guess' } });
    await assert.rejects(guessed.info(), (error: unknown) => error instanceof MediamtxApiError && error.status === 401, 'wrong credential: 401');
  } finally {
    await cleanup();
    await gateway.close();
  }
});
