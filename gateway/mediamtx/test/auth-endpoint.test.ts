// The auth endpoint against tables of request bodies shaped exactly like the ones mediamtx v1.20.1
// POSTs to authHTTPAddress (shared docs/mediamtx.md §4: ip, user, password, token, action, path,
// protocol, id, query, userAgent; token = password when one was given; path empty for api/metrics).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { hashPassword } from '../../../common/password.ts';
import { secrets } from '../../../common/redact.ts';
import { mediamtxAuthPlugin } from '../auth-endpoint.ts';
import { PublishCredentials } from '../publish-credentials.ts';
import { VerifiedCache } from '../verified-cache.ts';

const FAST = { N: 1024, r: 8, p: 1 };
const API = { user: 'lookout-api', password: 'per-boot-api-secret-0123456789' };
const SESSION = '2d3f5e5c-6b7a-4c1d-9e8f-0a1b2c3d4e5f';

function body(overrides: Record<string, unknown>) {
  const password = (overrides.password as string | undefined) ?? '';
  return { ip: '127.0.0.1', user: '', password, token: password, action: 'read', path: 'front', protocol: 'rtsp', id: SESSION, query: '', userAgent: 'LIBVLC/3.0.18 (LIVE555 Streaming Media v2016.11.28)', ...overrides };
}

async function setup(beforePublish?: (path: string) => Promise<void>) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const registry = new Registry();
  const credentials = new PublishCredentials();
  const alice = await hashPassword('alice-password', FAST);
  const bob = await hashPassword('bob-password', FAST);
  const app = Fastify();
  await app.register(mediamtxAuthPlugin, {
    logger,
    registry,
    cameraIds: ['front', 'garage'],
    viewers: [
      { user: 'alice', password_hash: alice, cameras: [] },
      { user: 'bob', password_hash: bob, cameras: ['garage'] },
    ],
    detector: { user: 'lookout-detector', password: 'detector-secret-1' },
    publishCredentials: credentials,
    apiCredential: API,
    ...(beforePublish ? { beforePublish } : {}),
  });
  await app.ready();
  const post = async (payload: unknown, headers: Record<string, string> = {}) => {
    const response = await app.inject({
      method: 'POST',
      url: '/mediamtx/auth',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
    return response.statusCode;
  };
  return { app, post, credentials, registry, lines };
}

void test('decision table per action (publish/read/playback/api/metrics/pprof)', async () => {
  const { app, post, credentials, registry, lines } = await setup();
  try {
    const front = credentials.issue('front');
    const garage = credentials.issue('garage');
    const cases: Array<[string, Record<string, unknown>, number]> = [
      // publish: only the credential issued for THAT path, from loopback, accepted once
      ['publish with the credential of another path', { action: 'publish', user: garage.user, password: garage.password }, 403],
      ['publish with a wrong secret', { action: 'publish', user: front.user, password: 'x'.repeat(32) }, 403],
      ['publish with a viewer credential', { action: 'publish', user: 'alice', password: 'alice-password' }, 403],
      ['publish from a remote ip', { action: 'publish', ip: '192.0.2.7', user: front.user, password: front.password }, 403],
      ['publish without credentials (first RTSP attempt)', { action: 'publish' }, 401],
      ['publish with the pipeline credential (fresh: first use)', { action: 'publish', user: front.user, password: front.password, userAgent: 'Lavf59.27.100' }, 200],
      ['the same session asks again with it', { action: 'publish', user: front.user, password: front.password }, 200],
      ['publish with the used credential from another session (read from /proc)', { action: 'publish', user: front.user, password: front.password, id: '99999999-6b7a-4c1d-9e8f-0a1b2c3d4e5f' }, 403],
      ['publish with the used credential and no session id', { action: 'publish', user: front.user, password: front.password, id: null }, 403],
      // read
      ['read without credentials (first RTSP attempt)', { action: 'read' }, 401],
      ['read as a viewer', { user: 'alice', password: 'alice-password', ip: '192.0.2.9' }, 200],
      ['read as a viewer, wrong password', { user: 'alice', password: 'alice-passwordX' }, 403],
      ['read as an unknown user', { user: 'mallory', password: 'alice-password' }, 403],
      ['read as a restricted viewer, allowed camera', { user: 'bob', password: 'bob-password', path: 'garage' }, 200],
      ['read as a restricted viewer, other camera', { user: 'bob', password: 'bob-password', path: 'front' }, 403],
      ['read as the detector', { user: 'lookout-detector', password: 'detector-secret-1' }, 200],
      ['read as the detector, wrong password', { user: 'lookout-detector', password: 'detector-secret-2' }, 403],
      ['read with a publish credential', { user: front.user, password: front.password }, 403],
      ['read over HLS as a viewer', { user: 'alice', password: 'alice-password', protocol: 'hls', id: null }, 200],
      ['read an unknown path', { user: 'alice', password: 'alice-password', path: 'nope' }, 403],
      ['read an unknown path without credentials', { path: 'nope' }, 403],
      // playback/pprof are not offered
      ['playback as a viewer', { action: 'playback', user: 'alice', password: 'alice-password' }, 403],
      ['pprof from loopback', { action: 'pprof', path: '', protocol: '' }, 403],
      // api/metrics: loopback AND the per-boot credential; being local is not enough
      ['api from loopback without the per-boot secret', { action: 'api', path: '', protocol: '', id: null }, 401],
      ['api from loopback with the per-boot secret', { action: 'api', ...API, path: '', protocol: '', id: null }, 200],
      ['api from ::1 with the per-boot secret', { action: 'api', ip: '::1', ...API, path: '', protocol: '', id: null }, 200],
      ['api from loopback with a wrong secret', { action: 'api', user: API.user, password: `${API.password}x`, path: '', protocol: '', id: null }, 403],
      ['api from loopback with the secret under another user', { action: 'api', user: 'admin', password: API.password, path: '', protocol: '', id: null }, 403],
      ['api from loopback with a viewer credential', { action: 'api', user: 'alice', password: 'alice-password', path: '', protocol: '', id: null }, 403],
      ['api from loopback with the detector credential', { action: 'api', user: 'lookout-detector', password: 'detector-secret-1', path: '', protocol: '', id: null }, 403],
      ['api from loopback with a publish credential', { action: 'api', user: garage.user, password: garage.password, path: '', protocol: '', id: null }, 403],
      ['api from a remote ip', { action: 'api', ip: '192.0.2.1', path: '', protocol: '', id: null }, 403],
      ['api from a remote ip with the per-boot secret', { action: 'api', ip: '192.0.2.1', ...API, path: '', protocol: '' }, 403],
      ['metrics from loopback without the per-boot secret', { action: 'metrics', path: '', protocol: '', id: null }, 401],
      ['metrics from loopback with the per-boot secret', { action: 'metrics', ...API, path: '', protocol: '', id: null }, 200],
      ['metrics from a remote ip', { action: 'metrics', ip: '10.0.0.5', path: '', protocol: '', id: null }, 403],
      ['pprof from loopback with the per-boot secret (pprof is not offered)', { action: 'pprof', ...API, path: '', protocol: '' }, 403],
    ];
    for (const [name, overrides, expected] of cases) assert.equal(await post(body(overrides)), expected, name);

    const metrics = await registry.getSingleMetricAsString('lookout_mediamtx_auth_decisions_total');
    assert.match(metrics, /action="publish",result="allow"} 2/);
    assert.match(metrics, /action="api",result="deny"} 8/);
    const text = lines.join('');
    for (const secret of ['alice-password', 'bob-password', 'detector-secret-1', front.password, garage.password, API.password]) {
      assert.equal(text.includes(secret), false, 'no password in any log line');
      assert.equal(metrics.includes(secret), false, 'no password in metrics');
    }
    assert.match(text, /"reason":"bad or already used publish credential"/);
  } finally {
    await app.close();
  }
});

void test('rotation: a re-issued credential replaces the old one, which is registered for redaction', async () => {
  const { app, post, credentials } = await setup();
  try {
    const first = credentials.issue('front');
    const second = credentials.issue('front');
    assert.notEqual(first.password, second.password);
    assert.equal(await post(body({ action: 'publish', user: first.user, password: first.password })), 403);
    assert.equal(await post(body({ action: 'publish', user: second.user, password: second.password })), 200);
    assert.equal(secrets.redact(`rtsp://u:${second.password}@h/x and ${second.password}`).includes(second.password), false);
    credentials.revoke('front');
    assert.equal(await post(body({ action: 'publish', user: second.user, password: second.password })), 403);
  } finally {
    await app.close();
  }
});

void test('malformed requests are denied: bad JSON, oversize body, unknown or missing field, unknown action, not from loopback', async () => {
  const { app, post, registry } = await setup();
  try {
    assert.equal(await post('{"ip": "127.0.0.1", '), 400);
    assert.equal(await post(body({ userAgent: 'x'.repeat(20_000) })), 413);
    assert.equal(await post({ ...body({ action: 'api', path: '', protocol: '' }), extra: 1 }), 400);
    const { token: _token, ...missing } = body({ action: 'api', path: '', protocol: '' });
    assert.equal(await post(missing), 400);
    assert.equal(await post(body({ action: 'delete' })), 400);
    assert.equal(await post(body({ action: 'api', path: '', protocol: '', id: 5 })), 400);
    assert.equal(await post('[]'), 400);
    const remote = await app.inject({ method: 'POST', url: '/mediamtx/auth', remoteAddress: '192.0.2.50', payload: body({ action: 'api', path: '', protocol: '' }) });
    assert.equal(remote.statusCode, 403);
    const metrics = await registry.getSingleMetricAsString('lookout_mediamtx_auth_decisions_total');
    assert.match(metrics, /action="invalid",result="deny"} 8/);
  } finally {
    await app.close();
  }
});

void test('an allowed publish first clears a stale publisher (beforePublish); a failure there does not deny', async () => {
  const calls: string[] = [];
  let fail = false;
  const { app, post, credentials } = await setup(async (path) => {
    calls.push(path);
    if (fail) throw new Error('mediamtx API GET /v3/rtspsessions/list: unavailable: ECONNREFUSED');
  });
  try {
    const front = credentials.issue('front');
    assert.equal(await post(body({ action: 'publish', user: front.user, password: 'wrong-secret-wrong-secret' })), 403);
    assert.deepEqual(calls, [], 'not called for a denied publish');
    assert.equal(await post(body({ action: 'publish', user: front.user, password: front.password })), 200);
    assert.equal(await post(body({ user: 'alice', password: 'alice-password' })), 200);
    assert.deepEqual(calls, ['front'], 'called once, for the allowed publish only');
    assert.equal(await post(body({ action: 'publish', user: front.user, password: front.password })), 200, 'the same session again');
    assert.deepEqual(calls, ['front'], 'a re-authentication of the publishing session never kicks it');
    fail = true;
    const next = credentials.issue('front');
    assert.equal(await post(body({ action: 'publish', user: next.user, password: next.password, id: 'a-new-session' })), 200);
    assert.deepEqual(calls, ['front', 'front']);
  } finally {
    await app.close();
  }
});

void test('publish credentials are accepted once: reused → denied, a fresh one (next attempt) → allowed once', async () => {
  const { app, post, credentials } = await setup();
  try {
    const sessions = ['11111111-0000-4000-8000-000000000001', '11111111-0000-4000-8000-000000000002', '11111111-0000-4000-8000-000000000003'];
    const first = credentials.issue('front');
    assert.equal(credentials.unused('front'), true);
    const publish = (credential: { user: string; password: string }, id: string | null) =>
      post(body({ action: 'publish', user: credential.user, password: credential.password, id }));
    assert.equal(await publish(first, sessions[0]!), 200, 'fresh credential: allowed');
    assert.equal(credentials.unused('front'), false);
    assert.equal(await publish(first, sessions[1]!), 403, 'reused by another session: denied');
    assert.equal(await publish(first, null), 403, 'reused without a session id: denied');
    assert.equal(await publish(first, sessions[0]!), 200, 'the publishing session itself is not kicked');
    const second = credentials.issue('front');
    assert.equal(await publish(first, sessions[0]!), 403, 'a superseded credential is dead, even for its session');
    assert.equal(await publish(second, sessions[2]!), 200, 'the next attempt publishes');
    assert.equal(await publish(second, sessions[1]!), 403);
    // Two racing first uses: exactly one wins.
    const third = credentials.issue('front');
    const raced = await Promise.all([publish(third, sessions[0]!), publish(third, sessions[1]!)]);
    assert.deepEqual(raced.sort(), [200, 403]);
  } finally {
    await app.close();
  }
});

void test('verified viewer credentials are cached (bounded, expiring, scoped by hash); failures are not', async () => {
  let now = 1_000;
  const cache = new VerifiedCache(60_000, 2, () => now);
  cache.add('alice', 'pw-1', 'hashA');
  assert.equal(cache.has('alice', 'pw-1', 'hashA'), true);
  assert.equal(cache.has('alice', 'pw-2', 'hashA'), false);
  assert.equal(cache.has('alice', 'pw-1', 'hashB'), false, 'a new password_hash invalidates');
  cache.add('bob', 'x', 'h');
  cache.add('carol', 'y', 'h');
  assert.equal(cache.size, 2);
  assert.equal(cache.has('alice', 'pw-1', 'hashA'), false, 'oldest evicted past maxEntries');
  now += 60_001;
  assert.equal(cache.has('carol', 'y', 'h'), false, 'expired');

  const { app, post } = await setup();
  try {
    const first = performance.now();
    assert.equal(await post(body({ user: 'alice', password: 'alice-password' })), 200);
    const firstMs = performance.now() - first;
    const again = performance.now();
    for (let i = 0; i < 5; i++) assert.equal(await post(body({ user: 'alice', password: 'alice-password' })), 200);
    assert.equal(await post(body({ user: 'alice', password: 'alice-passworX' })), 403, 'a wrong password is still checked');
    console.log(`# viewer auth: first ${firstMs.toFixed(1)} ms (scrypt N=1024 here), 5 cached ${(performance.now() - again).toFixed(1)} ms`);
  } finally {
    await app.close();
  }
});
