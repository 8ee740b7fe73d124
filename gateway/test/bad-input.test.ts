/**
 * Bad input, each with its exact error: malformed configs (through the loader and through the real
 * CLI), and malformed or unauthorized API requests against a running gateway, which must still
 * serve afterwards. The API camera is on-demand, so no ffmpeg runs for this file.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { ConfigError, parseConfigText } from '../../common/config/load.ts';
import { api, tempDir, testConfig, waitUntil } from '../../test/support/gateway-harness.ts';
import { GatewayService } from '../service.ts';

const BIN = fileURLToPath(new URL('../../bin/lookout.js', import.meta.url));
const CAM = '    source: testsrc://\n';

const BAD_CONFIGS: Array<[string, string, string]> = [
  ['unknown top-level key', 'cameras: []\nbogus: 1\n', 'bogus: unknown key'],
  ['unknown camera key', `cameras:\n  - id: a\n${CAM}    colour: red\n`, 'cameras[0].colour: unknown key'],
  ['bad camera id', `cameras:\n  - id: Front Door\n${CAM}`, 'cameras[0].id: must match [a-z0-9_-]{1,64} (got "Front Door")'],
  ['duplicate camera id', `cameras:\n  - id: a\n${CAM}  - id: a\n${CAM}`, 'cameras[1].id: duplicate camera id (also cameras[0].id) (got "a")'],
  [
    'unsupported scheme, password not echoed',
    'cameras:\n  - id: a\n    source: "ftp://admin:hunter22@cam/x"\n',
    'cameras[0].source: must be an rtsp(s)://, http(s)://, rtmp(s)://, v4l2:///dev/..., file:///... or testsrc:// source (got "ftp://admin:***@cam/x")',
  ],
  [
    'URL without a host, password not echoed',
    'cameras:\n  - id: a\n    source: "rtsp://admin:hunter22@:554/x"\n',
    'cameras[0].source: must be a valid URL with a host name (got "rtsp://admin:***@:554/x")',
  ],
  [
    'testsrc with a filter injection attempt',
    'cameras:\n  - id: a\n    source: "testsrc://?size=64x64;movie=/etc/passwd"\n',
    'cameras[0].source: must be an rtsp(s)://, http(s)://, rtmp(s)://, v4l2:///dev/..., file:///... or testsrc:// source (got "testsrc://?size=64x64;movie=/etc/passwd")',
  ],
  ['short token, value hidden', 'http:\n  token: hunter2\n', 'http.token: Too small: expected string to have >=8 characters (value hidden)'],
  [
    'credentials in publish_url',
    'pipelines:\n  publish_url: rtsp://u:hunter22@127.0.0.1:8554\n',
    'pipelines.publish_url: must be rtsp://host:port[/prefix] without credentials (got "rtsp://u:***@127.0.0.1:8554")',
  ],
  ['limit 0', 'pipelines:\n  limit: 0\n', 'pipelines.limit: Too small: expected number to be >=1 (got 0)'],
  ['bad duration', `cameras:\n  - id: a\n${CAM}    timeouts: { stall: soon }\n`, 'cameras[0].timeouts.stall: must be a duration such as "500ms", "10s" or "5m" (got "soon")'],
  ['bad publish transport', 'pipelines:\n  publish_transport: quic\n', 'pipelines.publish_transport: Invalid option: expected one of "tcp"|"udp" (got "quic")'],
];

for (const [name, text, expected] of BAD_CONFIGS) {
  void test(`bad config: ${name}`, () => {
    assert.throws(
      () => parseConfigText(text, { env: {} }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.issues, [expected]);
        assert.ok(!error.message.includes('hunter2'), 'secret not echoed');
        return true;
      },
    );
  });
}

void test('lookout gateway with a bad config prints the ConfigError and exits 1 (secret not echoed)', async () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'bad.yml');
    writeFileSync(file, 'cameras:\n  - id: a\n    source: "rtsp://admin:hunter22@:554/x"\n  - id: A\n    source: testsrc://\n');
    const result = await execa(process.execPath, [BIN, 'gateway', '--config', file], { reject: false, timeout: 30_000 });
    assert.equal(result.exitCode, 1);
    assert.equal(
      result.stderr,
      `${file}: invalid configuration:\n  cameras[0].source: must be a valid URL with a host name (got "rtsp://admin:***@:554/x")\n  cameras[1].id: must match [a-z0-9_-]{1,64} (got "A")`,
    );
    assert.ok(!`${result.stdout}${result.stderr}`.includes('hunter22'));
    const missing = await execa(process.execPath, [BIN, 'gateway', '--config', join(dir.path, 'nope.yml')], { reject: false, timeout: 30_000 });
    assert.equal(missing.exitCode, 1);
    assert.equal(missing.stderr, `${join(dir.path, 'nope.yml')}: invalid configuration:\n  cannot read file: ENOENT`);
  } finally {
    dir.remove();
  }
});

const TOKEN = 'tok-3f9a1c77e2';

void test('bad API requests each get their exact status and error; the gateway keeps serving', async () => {
  const dir = tempDir();
  const config = testConfig({
    stateDir: dir.path,
    publishUrl: 'rtsp://127.0.0.1:1',
    http: { token: TOKEN, body_limit_bytes: 1024 },
    cameras: [{ id: 'cam1', source: 'testsrc://', mode: 'on-demand' }],
  });
  // Another part's route plugin that authenticates its caller itself (as the mediamtx auth hook):
  // declared `access: 'hook'`, so served without the API token. A plugin route that declares
  // nothing is behind the token like the API.
  const hookRoute = {
    plugin: async (app: FastifyInstance) => {
      app.post('/hooks/echo', { config: { access: 'hook' } }, async (request) => ({ got: request.body }));
      app.get('/hooks/undeclared', async () => ({ open: true }));
    },
  };
  const service = new GatewayService(config, { routes: [hookRoute] });
  try {
    await service.start();
    const port = service.port;
    const auth = { token: TOKEN };
    const hook = await api(port, 'POST', '/hooks/echo', { body: { user: 'x' } });
    assert.deepEqual([hook.status, hook.body], [200, { got: { user: 'x' } }]);
    assert.equal((await api(port, 'GET', '/hooks/undeclared')).status, 401, 'a plugin route without an access flag needs the token');
    assert.equal((await api(port, 'GET', '/hooks/undeclared', { token: TOKEN })).status, 200);
    const cases: Array<[string, () => ReturnType<typeof api>, number, string, string]> = [
      ['unknown camera', () => api(port, 'GET', '/api/v1/cameras/nope', auth), 404, 'unknown_camera', 'unknown camera "nope"'],
      ['unknown camera, command', () => api(port, 'POST', '/api/v1/cameras/nope/pause', auth), 404, 'unknown_camera', 'unknown camera "nope"'],
      [
        'bad method on a command',
        () => api(port, 'GET', '/api/v1/cameras/cam1/pause', auth),
        405,
        'method_not_allowed',
        'method GET is not allowed on /api/v1/cameras/cam1/pause (allowed: POST)',
      ],
      [
        'bad method on a camera',
        () => api(port, 'DELETE', '/api/v1/cameras/cam1', auth),
        405,
        'method_not_allowed',
        'method DELETE is not allowed on /api/v1/cameras/cam1 (allowed: GET, HEAD)',
      ],
      ['unknown route', () => api(port, 'GET', '/api/v2/whatever', auth), 404, 'not_found', 'no route GET /api/v2/whatever'],
      [
        'oversize body',
        () => api(port, 'POST', '/api/v1/cameras/cam1/pause', { ...auth, body: { pad: 'x'.repeat(2000) } }),
        413,
        'payload_too_large',
        'Request body is too large',
      ],
      [
        'malformed JSON',
        () => api(port, 'POST', '/api/v1/cameras/cam1/pause', { ...auth, body: '{"a":' }),
        400,
        'bad_json',
        "Body is not valid JSON but content-type is set to 'application/json'",
      ],
      [
        'unsupported content type',
        () => api(port, 'POST', '/api/v1/cameras/cam1/pause', { ...auth, body: 'pause', contentType: 'text/plain' }),
        415,
        'unsupported_media_type',
        'POST needs Content-Type: application/json (send {} when there is nothing to say)',
      ],
      ['missing token', () => api(port, 'GET', '/api/v1/cameras'), 401, 'unauthorized', 'missing or wrong bearer token'],
      ['wrong token', () => api(port, 'POST', '/api/v1/cameras/cam1/resume', { token: `${TOKEN}x` }), 401, 'unauthorized', 'missing or wrong bearer token'],
      ['metrics need the token', () => api(port, 'GET', '/metrics'), 401, 'unauthorized', 'missing or wrong bearer token'],
    ];
    for (const [name, call, status, code, message] of cases) {
      const reply = await call();
      assert.equal(reply.status, status, `${name}: ${JSON.stringify(reply.body)}`);
      assert.deepEqual(reply.body, { status: 'error', error: { code, message } }, name);
      assert.ok(!JSON.stringify(reply.body).includes(TOKEN), `${name}: token not echoed`);
    }
    // Still serving, and the good paths work.
    assert.deepEqual((await api(port, 'GET', '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await api(port, 'GET', '/readyz')).body, { status: 'ok' });
    const list = await api(port, 'GET', '/api/v1/cameras', auth);
    assert.equal(list.status, 200);
    assert.deepEqual(
      (list.body.data as Array<{ id: string; state: string }>).map(({ id, state }) => ({ id, state })),
      [{ id: 'cam1', state: 'stopped' }],
    );
    const paused = await api(port, 'POST', '/api/v1/cameras/cam1/pause', { ...auth, body: {} });
    assert.equal(paused.status, 200);
    assert.equal((paused.body.data as { state: string }).state, 'paused');
    assert.equal((await api(port, 'GET', '/metrics', auth)).status, 200);
    assert.deepEqual(service.manager.liveChildren(), []);
  } finally {
    await service.stop();
    dir.remove();
  }
  // After stop, intake is closed.
  assert.equal(service.ready, false);
});

void test('a failing camera with a password in its URL: the error is reported, the password is not (API, metrics)', async () => {
  const dir = tempDir();
  const config = testConfig({
    stateDir: dir.path,
    publishUrl: 'rtsp://127.0.0.1:1',
    // Port 9 (discard) on loopback refuses the connection: ffmpeg fails at once and the camera backs off.
    cameras: [{ id: 'broken', source: 'rtsp://admin:hunter22secret@127.0.0.1:9/stream', timeouts: { io: '1s', start: '3s' } }],
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const service = new GatewayService(config, { logger: pino({ level: 'info' }, sink) });
  try {
    await service.start();
    const port = service.port;
    let body = '';
    await waitUntil(
      async () => {
        const reply = await api(port, 'GET', '/api/v1/cameras/broken');
        body = JSON.stringify(reply.body);
        return (reply.body.data as { lastError?: string } | undefined)?.lastError !== undefined;
      },
      20_000,
      'an error recorded for the broken camera',
    );
    assert.ok(!body.includes('hunter22secret'), body);
    assert.match(body, /"restarts":[1-9]|"lastError":"[^"]+"/);
    const metrics = await api(port, 'GET', '/metrics');
    assert.ok(!String(metrics.body.text).includes('hunter22secret'));
    assert.match(String(metrics.body.text), /^lookout_gateway_restarts_total\{camera="broken",reason="(exit|spawn-error|start-timeout)"\} [1-9]/m);
    // ffmpeg's own complaint (which quotes the URL) reached the log, redacted.
    await waitUntil(() => logs.join('').includes('Connection refused'), 10_000, "ffmpeg's stderr in the log");
    assert.ok(!logs.join('').includes('hunter22secret'), 'password not in any log line');
  } finally {
    await service.stop();
    dir.remove();
  }
  assert.deepEqual(service.manager.liveChildren(), []);
});
