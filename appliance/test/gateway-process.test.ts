/**
 * The gateway process as `lookout gateway` and `lookout up` both build it (appliance/gateway-
 * process.ts), on a real mosquitto and nats-server, real ffmpeg publishing into the RTSP stand-in
 * (not mediamtx), and a "silent" RTSP source that accepts connections and never answers (so a
 * start waits for its start timeout):
 *
 * - one command route: each error code gives the same status/code on HTTP (camera route and
 *   /api/v1/commands), MQTT and NATS;
 * - supersede: a resume of the silent camera, then a pause queued behind it — the pause wins and
 *   the camera ends paused long before the resume's start timeout, over MQTT and over HTTP;
 * - exactly one `stream/state` publication per pause (and per resume) over HTTP, MQTT and NATS,
 *   counted with `mosquitto_sub -v -R`;
 * - start order: a start that fails (HTTP port taken) publishes no `online` and no `stream/state`;
 * - durable desired state: a user's pause survives a restart (and is what gets announced).
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { execa } from 'execa';
import mqtt from 'mqtt';
import { parseConfig } from '../../common/config/load.ts';
import type { LookoutConfig } from '../../common/config/schema.ts';
import { HTTP_STATUS, type ErrorCode } from '../../common/http/error-envelope.ts';
import { silentLogger } from '../../common/log.ts';
import { startMosquitto, startNatsServer, waitFor, type Mosquitto, type NatsServer } from '../../test/support/brokers.ts';
import { api, tempDir, testsrcCamera, type TempDir } from '../../test/support/gateway-harness.ts';
import { startRtspStandIn, type RtspStandIn } from '../../test/support/rtsp-stand-in.ts';
import { GatewayProcess } from '../gateway-process.ts';
import { subscribeCounting } from './mqtt-count.ts';

let mosquitto: Mosquitto;
let nats: NatsServer;
let nc: NatsConnection;
let rtsp: RtspStandIn;
let silent: { server: Server; port: number; sockets: Set<Socket> };
let dir: TempDir;

/** A TCP server that accepts and never says a word: ffmpeg opening it makes no progress. */
async function startSilentServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, sockets, port: typeof address === 'object' && address ? address.port : 0 };
}

before(async () => {
  [mosquitto, nats, rtsp, silent] = await Promise.all([startMosquitto(), startNatsServer(), startRtspStandIn(), startSilentServer()]);
  nc = await connect({ servers: nats.url });
  dir = tempDir('lookout-gwp-');
});

after(async () => {
  await nc.close();
  for (const socket of silent.sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.server.close(() => resolve()));
  await Promise.all([mosquitto.dispose(), nats.dispose(), rtsp.close()]);
  dir.remove();
});

let runs = 0;
function processConfig(overrides: { prefix?: string; httpPort?: number; slowStart?: string } = {}): LookoutConfig {
  runs++;
  const slow = { id: 'slow', source: `rtsp://127.0.0.1:${silent.port}/never`, video: 'copy', timeouts: { start: overrides.slowStart ?? '2s' } };
  return parseConfig(
    {
      log_level: 'warn',
      instance_id: `gwp${runs}`,
      state_dir: `${dir.path}/run${runs}`,
      shutdown_timeout: '5s',
      http: { port: overrides.httpPort ?? 0 },
      mediamtx: { enabled: false },
      pipelines: { limit: 4, stop_grace: '1s', backoff_initial: '200ms', backoff_max: '1s', publish_url: `rtsp://127.0.0.1:${rtsp.publishPort}`, publish_transport: 'udp' },
      cameras: [testsrcCamera('cam1'), testsrcCamera('cam2'), slow],
      mqtt: { url: mosquitto.url, topic_prefix: overrides.prefix ?? `gwp${runs}`, publish_timeout: '2s', home_assistant: { enabled: false } },
      nats: { servers: [nats.url], site: `site${runs}`, request_timeout: '2s', jetstream: { enabled: false } },
      outbox: { fsync: 'never' },
    },
    { env: {} },
  );
}

async function startProcess(config: LookoutConfig): Promise<GatewayProcess> {
  const gateway = new GatewayProcess(config, silentLogger(), { reconnectMs: 200 });
  await gateway.start();
  return gateway;
}

/** One MQTT request/response client (MQTT 5 responseTopic + correlation data). */
async function mqttRequester(prefix: string) {
  const client = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 5, reconnectPeriod: 0 });
  const replyTopic = `test-replies/${prefix}`;
  await client.subscribeAsync(replyTopic, { qos: 1 });
  const waiting = new Map<string, (body: { status: string; error?: { code: string } }) => void>();
  client.on('message', (_topic, payload, packet) => {
    const key = packet.properties?.correlationData?.toString() ?? '';
    waiting.get(key)?.(JSON.parse(payload.toString()) as { status: string; error?: { code: string } });
    waiting.delete(key);
  });
  let seq = 0;
  return {
    request: (topic: string, body: object, timeoutMs = 15_000) =>
      new Promise<{ status: string; error?: { code: string } }>((resolve, reject) => {
        const key = `c${++seq}`;
        const timer = setTimeout(() => reject(new Error(`no MQTT reply on ${topic} within ${timeoutMs} ms`)), timeoutMs);
        waiting.set(key, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        void client.publishAsync(topic, JSON.stringify(body), { qos: 1, properties: { responseTopic: replyTopic, correlationData: Buffer.from(key) } });
      }),
    close: () => client.endAsync(),
  };
}

async function natsRequest(subject: string, body: object, timeoutMs = 15_000): Promise<{ status: string; error?: { code: string } }> {
  return (await nc.request(subject, JSON.stringify(body), { timeout: timeoutMs })).json();
}

async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

void test('one command route: each error code gives the same status and code on HTTP, MQTT and NATS', { timeout: 180_000 }, async (t) => {
  const config = processConfig();
  const gateway = await startProcess(config);
  t.after(() => gateway.stop());
  const prefix = config.mqtt?.topic_prefix ?? '';
  const site = config.nats?.site ?? '';
  const requester = await mqttRequester(prefix);
  t.after(() => requester.close());
  const rows: Array<{ code: ErrorCode; command: string; camera: string; extra?: Record<string, unknown> }> = [
    { code: 'unknown_camera', command: 'stream.pause', camera: 'nope' },
    { code: 'bad_request', command: 'stream.status', camera: 'cam1', extra: { extra: true } },
    { code: 'timeout', command: 'stream.resume', camera: 'slow' },
  ];
  for (const row of rows) {
    const what = `${row.code} (${row.command} ${row.camera})`;
    const http = await api(gateway.port, 'POST', '/api/v1/commands', { body: { command: row.command, camera: row.camera, ...row.extra } });
    assert.equal(http.status, HTTP_STATUS[row.code], `${what} over /api/v1/commands`);
    assert.equal(http.body.error?.code, row.code, `${what} over /api/v1/commands`);
    const action = row.command.split('.')[1] ?? '';
    if (!row.extra && ['pause', 'resume', 'restart'].includes(action)) {
      const rest = await api(gateway.port, 'POST', `/api/v1/cameras/${row.camera}/${action}`);
      assert.equal(rest.status, HTTP_STATUS[row.code], `${what} over the camera route`);
      assert.equal(rest.body.error?.code, row.code, `${what} over the camera route`);
    }
    const overMqtt = await requester.request(`${prefix}/request/${row.command.replace('.', '/')}`, { camera: row.camera, ...row.extra });
    assert.equal(overMqtt.error?.code, row.code, `${what} over MQTT`);
    const overNats = await natsRequest(`lookout.${site}.control.${row.camera}.${row.command}`, { ...row.extra });
    assert.equal(overNats.error?.code, row.code, `${what} over NATS`);
  }
});

void test('supersede: a pause queued behind a slow resume wins, over MQTT and over HTTP', { timeout: 180_000 }, async (t) => {
  // The resume waits for progress up to 20 s; the pause must not wait that out.
  const config = processConfig({ slowStart: '20s' });
  const gateway = await startProcess(config);
  t.after(() => gateway.stop());
  const prefix = config.mqtt?.topic_prefix ?? '';
  const requester = await mqttRequester(prefix);
  t.after(() => requester.close());
  const manager = gateway.service.manager;
  const paths = {
    mqtt: (command: 'resume' | 'pause') => requester.request(`${prefix}/request/stream/${command}`, { camera: 'slow' }, 40_000),
    http: async (command: 'resume' | 'pause') => {
      const reply = await api(gateway.port, 'POST', `/api/v1/cameras/slow/${command}`);
      return { status: reply.body.status ?? '', ...(reply.body.error ? { error: reply.body.error } : {}), http: reply.status };
    },
  };
  const states: string[] = [];
  const t0 = Date.now();
  manager.on('state', (status) => {
    if (status.id === 'slow') states.push(`${Date.now() - t0}ms ${status.state}`);
  });
  for (const [transport, send] of Object.entries(paths)) {
    // From paused, so the resume starts a fresh attempt that waits its full start timeout.
    assert.equal((await send('pause')).status, 'ok');
    const resume = send('resume');
    await waitFor(() => manager.status('slow').state === 'starting' && manager.status('slow').pid !== undefined, 10_000, `${transport}: slow camera starting`);
    const started = Date.now();
    const pause = await send('pause');
    const pauseMs = Date.now() - started;
    assert.equal(pause.status, 'ok', `${transport}: pause ok (${JSON.stringify(pause)})`);
    assert.ok(pauseMs < 10_000, `${transport}: pause took ${pauseMs} ms (the resume's start timeout is 20 s); states: ${states.join(', ')}`);
    const resumed = await resume;
    assert.equal(resumed.error?.code, 'conflict', `${transport}: the resume was superseded (${JSON.stringify(resumed)})`);
    assert.equal(manager.status('slow').state, 'paused', `${transport}: ends paused`);
    assert.equal(manager.status('slow').pid, undefined, `${transport}: no child while paused`);
  }
});

void test('exactly one stream/state publication per pause and per resume over HTTP, MQTT and NATS', { timeout: 180_000 }, async (t) => {
  const config = processConfig();
  const gateway = await startProcess(config);
  t.after(() => gateway.stop());
  const prefix = config.mqtt?.topic_prefix ?? '';
  const site = config.nats?.site ?? '';
  const manager = gateway.service.manager;
  await waitFor(() => manager.status('cam1').state === 'running', 30_000, 'cam1 running');
  const sub = await subscribeCounting(mosquitto.url, `${prefix}/cam1/stream/state`, `${prefix}-probe/x`);
  t.after(() => sub.stop());
  const commander = await mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 0 });
  t.after(() => commander.endAsync());
  const send = {
    http: (on: boolean) => api(gateway.port, 'POST', `/api/v1/cameras/cam1/${on ? 'resume' : 'pause'}`),
    mqtt: (on: boolean) => commander.publishAsync(`${prefix}/cam1/stream/set`, on ? 'ON' : 'OFF', { qos: 1 }),
    nats: (on: boolean) => natsRequest(`lookout.${site}.control.cam1.${on ? 'resume' : 'pause'}`, {}, 30_000),
  };
  const topic = `${prefix}/cam1/stream/state`;
  for (const [transport, command] of Object.entries(send)) {
    for (const on of [false, true]) {
      const before = sub.lines().length;
      await command(on);
      await waitFor(() => manager.status('cam1').state === (on ? 'running' : 'paused'), 30_000, `${transport}: cam1 ${on ? 'running' : 'paused'}`);
      await waitFor(() => sub.lines().length > before, 10_000, `${transport}: a stream/state publication`);
      await settle(1500);
      const published = sub.lines().slice(before);
      assert.deepEqual(published, [`${topic} ${on ? 'ON' : 'OFF'}`], `${transport} ${on ? 'resume' : 'pause'}: exactly one publication`);
    }
  }
});

void test('start order: a start that fails (HTTP port taken) publishes no online and no stream/state', { timeout: 60_000 }, async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const address = taken.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const prefix = `aborted${runs}`;
  const sub = await subscribeCounting(mosquitto.url, `${prefix}/#`, `${prefix}-probe/x`, true);
  t.after(() => sub.stop());
  const config = processConfig({ prefix, httpPort: port });
  const gateway = new GatewayProcess(config, silentLogger(), { reconnectMs: 200 });
  await assert.rejects(gateway.start(), /EADDRINUSE|address already in use/i);
  await gateway.closed;
  await settle(1500);
  assert.deepEqual(sub.lines(), [], 'nothing announced by an aborted start');
  assert.deepEqual(gateway.service.manager.liveChildren(), [], 'no pipeline left running');
});

void test('durable desired state: a camera paused by a user stays paused across a gateway restart; resume clears it', { timeout: 120_000 }, async () => {
  const config = processConfig();
  const prefix = config.mqtt?.topic_prefix ?? '';
  const first = await startProcess(config);
  try {
    await waitFor(() => first.service.manager.status('cam1').state === 'running', 30_000, 'cam1 running');
    const paused = await api(first.port, 'POST', '/api/v1/cameras/cam1/pause');
    assert.equal((paused.body.data as { state: string }).state, 'paused');
  } finally {
    await first.stop();
  }
  const file = `${config.state_dir}/desired-state.json`;
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the desired-state file is private');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { paused: ['cam1'] });

  const second = new GatewayProcess(config, silentLogger(), { reconnectMs: 200 });
  // Applied in the constructor, before any pipeline starts.
  assert.equal(second.service.manager.status('cam1').state, 'paused');
  await second.start();
  try {
    await waitFor(() => second.service.manager.status('cam2').state === 'running', 30_000, 'cam2 running');
    assert.equal(second.service.manager.status('cam1').state, 'paused', 'still paused after the restart');
    assert.equal(second.service.manager.status('cam1').pid, undefined, 'no child for the paused camera');
    const retained = await execa('mosquitto_sub', ['-h', '127.0.0.1', '-p', new URL(mosquitto.url).port, '-t', `${prefix}/cam1/stream/state`, '-C', '1', '-W', '10'], { reject: false });
    assert.equal(retained.stdout.trim(), 'OFF', 'the announced state is the durable one');
    const resumed = await api(second.port, 'POST', '/api/v1/cameras/cam1/resume');
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { paused: [] }, 'resume clears the pause');
  } finally {
    await second.stop();
  }
});
