/**
 * Control over a real mosquitto: pause/resume cycles through set topics and JSON requests (MQTT 5
 * response topics and the 3.1.1 fallback), concurrent and repeated commands, the bad-input table,
 * LWT/birth/stopped, and state re-published after a broker restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../common/log.ts';
import { startMosquitto, type Mosquitto } from '../../test/support/brokers.ts';
import { ControlPlane } from '../control-plane.ts';
import { FakeDetectControl, FakeStreamControl } from './fake-controls.ts';
import { activeTimers, collect, tempDir, testClient, testConfig, until } from './helpers.ts';
import { Registry } from 'prom-client';

let broker: Mosquitto;
before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  await broker.dispose();
});

async function startPlane(t: Parameters<typeof tempDir>[0] & { after(fn: () => Promise<void>): void }, cameras = ['cam1', 'cam2']) {
  const stream = new FakeStreamControl(cameras);
  const detect = new FakeDetectControl(cameras);
  const config = testConfig({ stateDir: tempDir(t), mqttUrl: broker.url, cameras: cameras.map((id) => ({ id })) });
  const plane = new ControlPlane({ config, logger: silentLogger(), stream, detect, registry: new Registry(), reconnectMs: 200 });
  await plane.start();
  t.after(async () => {
    await plane.stop(2000);
  });
  assert.equal(plane.mqtt?.connected, true);
  return { plane, stream, detect };
}

/** Sends a JSON request with an MQTT 5 response topic and waits for the correlated reply. */
async function requester(t: Parameters<typeof testClient>[0]) {
  const client = await testClient(t, broker.url);
  const responseTopic = `test/replies/${randomUUID()}`;
  const waiting = new Map<string, (payload: Record<string, unknown>) => void>();
  client.on('message', (topic, payload, packet) => {
    if (topic !== responseTopic) return;
    const key = packet.properties?.correlationData?.toString() ?? '';
    waiting.get(key)?.(JSON.parse(payload.toString()));
    waiting.delete(key);
  });
  await client.subscribeAsync(responseTopic, { qos: 1 });
  return {
    client,
    waiting,
    request(topic: string, body: string | Buffer, timeoutMs = 10_000): Promise<Record<string, unknown>> {
      const key = randomUUID();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(key);
          reject(new Error(`no reply on ${topic}`));
        }, timeoutMs);
        waiting.set(key, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        client.publish(topic, body, { qos: 1, properties: { responseTopic, correlationData: Buffer.from(key) } });
      });
    },
  };
}

void test('pause/resume cycles over set topics: state topics follow, last command wins', async (t) => {
  const { plane, stream } = await startPlane(t);
  const observer = await testClient(t, broker.url);
  const states = await collect(observer, 'lookout/cam1/stream/state');
  const commander = await testClient(t, broker.url);
  for (let cycle = 0; cycle < 24; cycle++) {
    const word = cycle % 2 === 0 ? 'OFF' : 'ON';
    await commander.publishAsync('lookout/cam1/stream/set', word, { qos: 1 });
    await until(() => states.at(-1)?.payload === word, 5000, `stream state ${word}`);
    assert.equal(stream.state.get('cam1'), word === 'OFF' ? 'paused' : 'running');
  }
  // A burst of concurrent, repeated commands: the final state matches the last one sent.
  stream.delayMs = 3;
  const burst = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 'ON' : 'OFF'));
  burst.push('OFF');
  await Promise.all(burst.map((word) => commander.publishAsync('lookout/cam1/stream/set', word, { qos: 1 })));
  await until(() => stream.calls.length >= 24 + burst.length, 10_000, 'all burst commands');
  await plane.table.idle();
  assert.equal(stream.state.get('cam1'), 'paused');
  assert.equal(stream.maxConcurrentPerCamera, 1);
  await until(() => states.at(-1)?.payload === 'OFF', 5000, 'final state OFF');
  assert.equal(plane.table.busyCameras, 0);
});

void test('JSON requests with MQTT 5 response topics: replies correlate, ids echo, no leaked listeners', async (t) => {
  const { plane, detect } = await startPlane(t);
  const { request, waiting } = await requester(t);
  const client = plane.mqtt?.client;
  assert.ok(client);
  const listenersBefore = client.listenerCount('message') + client.listenerCount('connect');
  const timersBefore = activeTimers();
  for (let cycle = 0; cycle < 24; cycle++) {
    const command = cycle % 2 === 0 ? 'detect/off' : 'detect/on';
    const reply = await request(`lookout/request/${command}`, JSON.stringify({ camera: 'cam2', id: `c${cycle}` }));
    assert.equal(reply.status, 'ok', JSON.stringify(reply));
    assert.equal(reply.id, `c${cycle}`);
    assert.equal(detect.enabled.get('cam2'), cycle % 2 !== 0);
  }
  const concurrent = await Promise.all(
    Array.from({ length: 30 }, (_, i) => request('lookout/request', JSON.stringify({ command: i === 29 ? 'detect.off' : i % 2 ? 'detect.on' : 'detect.off', camera: 'cam1', id: i }))),
  );
  assert.ok(concurrent.every((reply) => reply.status === 'ok'));
  await plane.table.idle();
  assert.equal(detect.enabled.get('cam1'), false, 'last command wins');
  assert.equal(waiting.size, 0);
  assert.equal(client.listenerCount('message') + client.listenerCount('connect'), listenersBefore);
  // In-flight publish deadlines clear as acks arrive; a leak would never come back to the baseline.
  await until(() => activeTimers() <= timersBefore + 2, 5000, `active timers back to baseline (${timersBefore} → ${activeTimers()})`);
  const status = await request('lookout/request/status', JSON.stringify({ camera: '*', id: 'all' }));
  assert.equal(status.status, 'ok');
  assert.deepEqual(Object.keys(status.data as object).sort(), ['cam1', 'cam2']);
});

void test('bad input table: error replies or logged ignores, and the process keeps serving', async (t) => {
  // Retained garbage on a command topic, present before the plane subscribes.
  const garbage = await testClient(t, broker.url);
  await garbage.publishAsync('lookout/cam1/detect/set', 'OFF', { qos: 1, retain: true });
  const { plane, detect } = await startPlane(t);
  const { request } = await requester(t);
  const cases: Array<[string, string | Buffer, string]> = [
    ['lookout/request/stream/pause', '{"camera": ', 'bad_json'],
    ['lookout/request/stream/pause', '[1,2]', 'bad_request'],
    ['lookout/request/stream/pause', '{"camera": 5}', 'bad_request'],
    ['lookout/request/stream/pause', '{"camera": "nope"}', 'unknown_camera'],
    ['lookout/request/stream/explode', '{"camera": "cam1"}', 'unknown_command'],
    ['lookout/request', '{"command": "x.y", "camera": "cam1"}', 'unknown_command'],
    ['lookout/request', '{"camera": "cam1"}', 'bad_request'],
    ['lookout/request/stream/pause', Buffer.alloc(1024 * 1024, 'x'), 'payload_too_large'],
  ];
  for (const [topic, body, code] of cases) {
    const reply = await request(topic, body);
    assert.equal(reply.status, 'error', `${topic} ${body.slice(0, 40).toString()}`);
    assert.equal((reply.error as { code: string }).code, code, `${topic} ${body.slice(0, 40).toString()}`);
  }
  const stats = plane.mqtt?.commandStats;
  assert.ok(stats);
  const ignoredBefore = stats.ignored;
  // Wrong topic levels and wrong set payloads: ignored with a log line, no state change.
  const sender = await testClient(t, broker.url);
  await sender.subscribeAsync('lookout/cam1/detect/set/extra');
  await sender.publishAsync('lookout/cam1/detect/set/extra', 'OFF', { qos: 1 });
  await sender.publishAsync('lookout/cam1/detect/set', 'MAYBE', { qos: 1 });
  await sender.publishAsync('lookout/cam1/detect/set', Buffer.alloc(1024 * 1024, 'x'), { qos: 1 });
  await sender.publishAsync('lookout/nope/detect/set', 'OFF', { qos: 1 });
  await until(() => stats.ignored >= ignoredBefore + 2, 5000, 'ignored set payloads');
  assert.ok(stats.ignoredRetained >= 1, 'retained command was ignored');
  assert.equal(detect.enabled.get('cam1'), true, 'neither garbage nor retained OFF changed detection');
  await garbage.publishAsync('lookout/cam1/detect/set', '', { qos: 1, retain: true });
  // Still serving.
  const ok = await request('lookout/request/detect/off', JSON.stringify({ camera: 'cam1', id: 'after' }));
  assert.equal(ok.status, 'ok');
  assert.equal(detect.enabled.get('cam1'), false);
});

void test('MQTT 3.1.1 clients get replies on <prefix>/response/<command>', async (t) => {
  await startPlane(t);
  const v3 = await testClient(t, broker.url, { protocolVersion: 4 });
  const replies = await collect(v3, 'lookout/response/#');
  await v3.publishAsync('lookout/request/stream/pause', JSON.stringify({ camera: 'cam2', id: 'v3' }), { qos: 1 });
  await until(() => replies.length > 0, 5000, 'v3 reply');
  assert.equal(replies[0]?.topic, 'lookout/response/stream/pause');
  assert.deepEqual(JSON.parse(replies[0]?.payload ?? '{}').id, 'v3');
});

void test('availability: online on connect, stopped on clean exit; states come back after a broker restart', async (t) => {
  const { plane } = await startPlane(t, ['cam9']);
  const observer = await testClient(t, broker.url);
  const available = await collect(observer, 'lookout/available');
  await until(() => available.at(-1)?.payload === 'online', 5000, 'online');
  plane.publishStreamState('cam9', { on: false, available: true });
  await until(() => plane.mqtt?.connected === true);
  // Restart the broker without its retained store: the plane must re-publish what it owns.
  await broker.stop();
  const { rmSync, readdirSync } = await import('node:fs');
  for (const name of readdirSync(broker.dir)) if (name.endsWith('.db')) rmSync(`${broker.dir}/${name}`);
  await broker.start();
  await until(() => (plane.mqtt?.stats.connects ?? 0) >= 2, 10_000, 'plane reconnect');
  const fresh = await testClient(t, broker.url);
  const states = await collect(fresh, 'lookout/cam9/#');
  await until(() => states.some((m) => m.topic === 'lookout/cam9/stream/state' && m.payload === 'OFF' && m.retain), 5000, 'retained stream state');
  await plane.stop(2000);
  const after = await testClient(t, broker.url);
  const final = await collect(after, 'lookout/available');
  await until(() => final.length > 0, 5000, 'retained availability');
  assert.equal(final[0]?.payload, 'stopped');
});
