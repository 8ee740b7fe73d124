// The Control API client against a FAKE mediamtx API server (node:http on 127.0.0.1, port 0) that
// replays the shapes documented in the shared facts (docs/mediamtx.md §8: list pagination
// {itemCount,pageCount,items}, path and RTSP session fields, {"status":"error","error"} bodies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MediamtxApiClient } from '../api-client.ts';
import { MediamtxApiError, MediamtxTimeoutError, MediamtxUnavailableError } from '../errors.ts';

function pathItem(name: string, available: boolean, readers = 0) {
  return {
    name,
    confName: name,
    source: available ? { type: 'rtspSession', id: `sess-${name}` } : null,
    ready: available,
    readyTime: available ? '2026-11-23T12:00:00Z' : null,
    available,
    availableTime: available ? '2026-11-23T12:00:00Z' : null,
    online: available,
    onlineTime: available ? '2026-11-23T12:00:00Z' : null,
    tracks: available ? ['H264'] : [],
    tracks2: available ? [{ codec: 'H264', codecProps: { width: 640, height: 480, profile: 'High', level: '3.0' } }] : [],
    readers: Array.from({ length: readers }, (_, i) => ({ type: 'rtspSession', id: `reader-${i}` })),
    inboundBytes: available ? 123_456 : 0,
    outboundBytes: 0,
    inboundFramesInError: 0,
    bytesReceived: available ? 123_456 : 0,
    bytesSent: 0,
  };
}

function session(id: string, path: string, state: 'idle' | 'read' | 'publish') {
  return { id, created: '2026-11-23T12:00:00Z', remoteAddr: '127.0.0.1:40000', state, path, query: '', user: state === 'publish' ? `lookout-pub-${path}` : 'alice', userAgent: 'Lavf59', transport: 'TCP', profile: 'AVP', conns: [], inboundBytes: 1, outboundBytes: 2 };
}

/** FAKE mediamtx Control API. */
async function fakeApi() {
  const paths = Array.from({ length: 5 }, (_, i) => pathItem(`cam${i}`, i % 2 === 0, i));
  const sessions = [session('s-read', 'cam0', 'read'), session('s-pub', 'cam0', 'publish'), session('s-other', 'cam2', 'publish')];
  const kicked: string[] = [];
  const requests: string[] = [];
  const reply = (res: ServerResponse, status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
  };
  const list = (url: URL, items: unknown[], res: ServerResponse) => {
    const page = Number(url.searchParams.get('page') ?? 0);
    const per = Number(url.searchParams.get('itemsPerPage') ?? 100);
    if (!(per > 0)) return reply(res, 400, { status: 'error', error: 'invalid itemsPerPage' });
    return reply(res, 200, { itemCount: items.length, pageCount: Math.ceil(items.length / per), items: items.slice(page * per, page * per + per) });
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/v3/info') return reply(res, 200, { version: 'v1.20.1', started: '2026-11-23T12:00:00Z' });
    if (url.pathname === '/v3/paths/list') return list(url, paths, res);
    if (url.pathname.startsWith('/v3/paths/get/')) {
      const name = decodeURIComponent(url.pathname.slice('/v3/paths/get/'.length));
      const found = paths.find((p) => p.name === name);
      return found ? reply(res, 200, found) : reply(res, 404, { status: 'error', error: 'path not found' });
    }
    if (url.pathname === '/v3/rtspsessions/list') return list(url, sessions, res);
    if (url.pathname.startsWith('/v3/rtspsessions/kick/') && req.method === 'POST') {
      const id = url.pathname.slice('/v3/rtspsessions/kick/'.length);
      if (!sessions.some((s) => s.id === id)) return reply(res, 404, { status: 'error', error: 'session not found' });
      kicked.push(id);
      return reply(res, 200, { status: 'ok' });
    }
    if (url.pathname === '/slow/v3/info') return; // never answers
    if (url.pathname === '/broken/v3/info') return reply(res, 500, { status: 'error', error: 'terminated' });
    if (url.pathname === '/badshape/v3/info') return reply(res, 200, { version: 3 });
    if (url.pathname === '/html/v3/info') return reply(res, 502, '<html>bad gateway</html>');
    return reply(res, 404, { status: 'error', error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { base, kicked, requests, close };
}

void test('info, paginated listPaths, getPath (404 → undefined) and pathReady', async () => {
  const fake = await fakeApi();
  try {
    const api = new MediamtxApiClient({ baseUrl: fake.base, timeoutMs: 2000, pageSize: 2 });
    assert.deepEqual(await api.info(), { version: 'v1.20.1', started: '2026-11-23T12:00:00Z' });
    const paths = await api.listPaths();
    assert.deepEqual(paths.map((p) => p.name), ['cam0', 'cam1', 'cam2', 'cam3', 'cam4']);
    assert.equal(fake.requests.filter((r) => r.startsWith('GET /v3/paths/list')).length, 3, '5 items at 2 per page = 3 pages');
    assert.equal(await api.getPath('missing'), undefined);
    assert.deepEqual(await api.pathReady('cam2'), { available: true, inboundBytes: 123_456, readers: 2 });
    assert.deepEqual(await api.pathReady('cam1'), { available: false, inboundBytes: 0, readers: 1 });
    assert.deepEqual(await api.pathReady('missing'), { available: false, inboundBytes: 0, readers: 0 });
  } finally {
    await fake.close();
  }
});

void test('kickPublisher finds the publishing session of the path and kicks only it', async () => {
  const fake = await fakeApi();
  try {
    const api = new MediamtxApiClient({ baseUrl: fake.base, timeoutMs: 2000 });
    assert.equal((await api.listRtspSessions()).length, 3);
    assert.equal(await api.kickPublisher('cam0'), 's-pub');
    assert.deepEqual(fake.kicked, ['s-pub']);
    assert.equal(await api.kickPublisher('cam4'), undefined);
    await assert.rejects(api.kickRtspSession('nope'), (error: unknown) => error instanceof MediamtxApiError && error.status === 404 && error.apiMessage === 'session not found');
  } finally {
    await fake.close();
  }
});

void test('errors are named: error bodies, timeouts, bad shapes, non-JSON, connection refused', async () => {
  const fake = await fakeApi();
  try {
    const broken = new MediamtxApiClient({ baseUrl: `${fake.base}/broken`, timeoutMs: 2000 });
    await assert.rejects(broken.info(), (error: unknown) => error instanceof MediamtxApiError && error.status === 500 && /terminated/.test(error.message));
    const slow = new MediamtxApiClient({ baseUrl: `${fake.base}/slow`, timeoutMs: 150 });
    const started = Date.now();
    await assert.rejects(slow.info(), MediamtxTimeoutError);
    assert.ok(Date.now() - started < 3000, 'the deadline bounds the call');
    await assert.rejects(new MediamtxApiClient({ baseUrl: `${fake.base}/badshape`, timeoutMs: 2000 }).info(), (error: unknown) => error instanceof MediamtxUnavailableError && /version/.test(error.message));
    await assert.rejects(new MediamtxApiClient({ baseUrl: `${fake.base}/html`, timeoutMs: 2000 }).info(), (error: unknown) => error instanceof MediamtxApiError && error.status === 502);
  } finally {
    await fake.close();
  }
  // A port that was just freed: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const freePort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const gone = new MediamtxApiClient({ baseUrl: `http://127.0.0.1:${freePort}`, timeoutMs: 2000 });
  await assert.rejects(gone.info(), (error: unknown) => error instanceof MediamtxUnavailableError && /ECONNREFUSED/.test(error.message));
});
