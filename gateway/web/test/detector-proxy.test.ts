import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { RecentEvents } from '../../../control/events/recent-events.ts';
import { DetectorClient } from '../detector-client.ts';
import { detectorProxyRoutes } from '../detector-proxy.ts';
import { startFakeDetectorApi, type FakeDetectorApi } from './fake-detector-api.ts';

// The proxy plugin on a bare fastify server in front of the FAKE detector API (a real HTTP server
// on loopback). Bad input must come back as an envelope with the detector never asked.

let fake: FakeDetectorApi;
let app: FastifyInstance;
const ring = new RecentEvents<unknown>(100);

async function proxyFor(client: DetectorClient, withRing = false): Promise<FastifyInstance> {
  const server = Fastify({ logger: false });
  await server.register(detectorProxyRoutes, { client, cameras: ['demo', 'porch'], ...(withRing ? { ring } : {}) });
  await server.ready();
  return server;
}

before(async () => {
  fake = await startFakeDetectorApi({ cameras: ['demo', 'porch'] });
  app = await proxyFor(new DetectorClient({ baseUrl: `http://127.0.0.1:${fake.port}`, timeoutMs: 5000 }), true);
});
after(async () => {
  await app.close();
  await fake.close();
});

function envelope(body: string): { status: string; error: { code: string; message: string } } {
  return JSON.parse(body) as { status: string; error: { code: string; message: string } };
}

void test('events, one event, its pictures and the latest frame are forwarded; the query is rebuilt from parsed values', async () => {
  fake.requests.length = 0;
  const list = await app.inject({ url: '/api/v1/events?camera=demo&limit=5&has_snapshot=1&after=10' });
  assert.equal(list.statusCode, 200);
  assert.equal(list.headers['x-lookout-events-source'], 'detector');
  const events = (list.json() as { data: Array<{ id: string; camera: string }> }).data;
  assert.deepEqual(
    events.map((event) => event.camera),
    ['demo'],
  );
  assert.deepEqual(fake.requests, ['GET /api/v1/events?camera=demo&after=10&limit=5&has_snapshot=true']);

  const id = events[0]?.id ?? '';
  const one = await app.inject({ url: `/api/v1/events/${id}` });
  assert.equal(one.statusCode, 200);
  assert.equal((one.json() as { data: { id: string } }).data.id, id);
  for (const image of ['snapshot.jpg', 'thumbnail.jpg']) {
    const picture = await app.inject({ url: `/api/v1/events/${id}/${image}` });
    assert.equal(picture.statusCode, 200);
    assert.equal(picture.headers['content-type'], 'image/jpeg');
    assert.equal(picture.rawPayload.subarray(0, 2).toString('hex'), 'ffd8', 'a JPEG');
  }
  const latest = await app.inject({ url: '/api/v1/cameras/demo/latest.jpg?boxes=1&h=360' });
  assert.equal(latest.statusCode, 200);
  assert.equal(latest.headers['cache-control'], 'no-store');
  assert.equal(latest.headers['x-content-type-options'], 'nosniff');
  assert.equal(fake.requests.at(-1), 'GET /api/v1/cameras/demo/latest.jpg?boxes=1&h=360');
});

void test('bad input gets an exact envelope and is never forwarded', async () => {
  fake.requests.length = 0;
  const badEventId = { status: 'error', error: { code: 'bad_request', message: 'id: must be an event id ([A-Za-z0-9._-]{1,128}, no "..")' } };
  for (const url of [
    '/api/v1/events/a..b/snapshot.jpg',
    '/api/v1/events/%2e%2e%2fetc%2fpasswd',
    '/api/v1/events/..%2F..%2Fapi%2Fv1%2Fdetect%2Fcameras',
    '/api/v1/events/caf%C3%A9',
    '/api/v1/events/%E2%80%AEabc/thumbnail.jpg',
    '/api/v1/events/-leading-dash',
  ]) {
    const response = await app.inject({ url });
    assert.equal(response.statusCode, 400, url);
    assert.deepEqual(response.json(), badEventId, url);
  }
  // 10 KB ids: fastify's router refuses a parameter over its length limit before any route runs.
  const long = await app.inject({ url: `/api/v1/events/${'a'.repeat(10_240)}` });
  assert.ok(long.statusCode === 400 || long.statusCode === 404 || long.statusCode === 414, String(long.statusCode));

  const unknown = await app.inject({ url: '/api/v1/cameras/garage/latest.jpg' });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), { status: 'error', error: { code: 'unknown_camera', message: 'unknown camera "garage"' } });
  const badCamera = await app.inject({ url: '/api/v1/cameras/DEMO/latest.jpg' });
  assert.deepEqual(badCamera.json(), { status: 'error', error: { code: 'bad_request', message: 'id: must be a camera id ([a-z0-9_-]{1,64})' } });
  for (const [query, message] of [
    ['h=0', 'h: Too small: expected number to be >=32'],
    ['h=99999', 'h: Too big: expected number to be <=2160'],
    ['boxes=yes', 'boxes: Invalid option: expected one of "0"|"1"|"true"|"false"'],
    ['url=http://evil', 'query: unknown parameter url'],
  ] as const) {
    const response = await app.inject({ url: `/api/v1/cameras/demo/latest.jpg?${query}` });
    assert.equal(response.statusCode, 400, query);
    assert.deepEqual(response.json(), { status: 'error', error: { code: 'bad_request', message } }, query);
  }
  for (const [query, field] of [
    ['camera=../x', 'camera'],
    ['label=%3Cscript%3E', 'label'],
    ['zone=a/b', 'zone'],
    ['limit=0', 'limit'],
    ['after=-1', 'after'],
    ['has_snapshot=maybe', 'has_snapshot'],
  ] as const) {
    const response = await app.inject({ url: `/api/v1/events?${query}` });
    assert.equal(response.statusCode, 400, query);
    assert.match(envelope(response.body).error.message, new RegExp(`^${field}: `), query);
  }
  const detectUnknown = await app.inject({ method: 'POST', url: '/api/v1/detect/cameras/garage/pause', payload: {} });
  assert.equal(detectUnknown.statusCode, 404);
  assert.deepEqual(fake.requests, [], 'nothing reached the detector');
  // The server keeps serving.
  assert.equal((await app.inject({ url: '/api/v1/events' })).statusCode, 200);
});

void test('detect off/on go to the detector; its answers pass through as envelopes (409, and fastify 404 rewritten)', async () => {
  const off = await app.inject({ method: 'POST', url: '/api/v1/detect/cameras/porch/pause', payload: {} });
  assert.equal(off.statusCode, 200);
  assert.deepEqual(off.json(), { status: 'ok', data: { id: 'porch', state: 'paused' } });
  assert.equal(fake.requests.at(-1), 'POST /api/v1/detect/cameras/porch/pause');
  const paused = await app.inject({ url: '/api/v1/cameras/porch/latest.jpg' });
  assert.equal(paused.statusCode, 409);
  assert.deepEqual(paused.json(), { status: 'error', error: { code: 'conflict', message: 'detection is paused' } });
  const status = await app.inject({ url: '/api/v1/detect/cameras' });
  assert.equal((status.json() as { cameras: Array<{ id: string; state: string }> }).cameras.find((camera) => camera.id === 'porch')?.state, 'paused');
  const on = await app.inject({ method: 'POST', url: '/api/v1/detect/cameras/porch/resume', payload: {} });
  assert.equal((on.json() as { data: { state: string } }).data.state, 'running');
  const missing = await app.inject({ url: '/api/v1/events/1.5-demo-99' });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { status: 'error', error: { code: 'not_found', message: 'no event 1.5-demo-99' } });
});

void test('detector down: 502 envelopes, and the event list falls back to the gateway ring with the same filters', async () => {
  const dead = await startFakeDetectorApi({ cameras: ['demo'] });
  const port = dead.port;
  await dead.close();
  const server = await proxyFor(new DetectorClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 2000 }), true);
  try {
    ring.push({ type: 'new', after: { id: 'a', camera: 'demo', label: 'person', start_time: 100 } });
    ring.push({ type: 'new', after: { id: 'b', camera: 'porch', label: 'car', start_time: 200 } });
    const latest = await server.inject({ url: '/api/v1/cameras/demo/latest.jpg' });
    assert.equal(latest.statusCode, 502);
    const body = envelope(latest.body);
    assert.equal(body.error.code, 'bad_gateway');
    assert.match(body.error.message, /^the detector is not reachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
    const events = await server.inject({ url: '/api/v1/events?label=car' });
    assert.equal(events.statusCode, 200);
    assert.equal(events.headers['x-lookout-events-source'], 'gateway-ring');
    assert.deepEqual(events.json(), { status: 'ok', data: [{ type: 'new', after: { id: 'b', camera: 'porch', label: 'car', start_time: 200 } }] });
    assert.equal((await server.inject({ url: '/api/v1/events?after=150&before=250' })).json().data.length, 1);
  } finally {
    await server.close();
  }
});

void test('a slow detector is cut at the deadline (504); an oversize answer is dropped (502)', async () => {
  const slow = await startFakeDetectorApi({ cameras: ['demo'], delayMs: 3000 });
  const big = await startFakeDetectorApi({ cameras: ['demo'], padBytes: 200_000 });
  const slowProxy = await proxyFor(new DetectorClient({ baseUrl: `http://127.0.0.1:${slow.port}`, timeoutMs: 300 }));
  const bigProxy = await proxyFor(new DetectorClient({ baseUrl: `http://127.0.0.1:${big.port}`, maxBytes: 100_000 }));
  try {
    const started = Date.now();
    const timedOut = await slowProxy.inject({ url: '/api/v1/detect/cameras' });
    assert.equal(timedOut.statusCode, 504);
    assert.deepEqual(timedOut.json(), { status: 'error', error: { code: 'timeout', message: 'the detector did not answer within 300 ms' } });
    assert.ok(Date.now() - started < 2500, 'answered at the deadline, not when the detector did');
    const tooBig = await bigProxy.inject({ url: '/api/v1/events' });
    assert.equal(tooBig.statusCode, 502);
    assert.deepEqual(tooBig.json(), { status: 'error', error: { code: 'bad_gateway', message: "the detector's answer is larger than 100000 bytes" } });
  } finally {
    await slowProxy.close();
    await bigProxy.close();
    await slow.close();
    await big.close();
  }
});
