/**
 * Home Assistant discovery against a real mosquitto, read back by an independent client
 * (`mosquitto_sub`), checked against the key rules in shared/docs/conventions.md (A.1–A.5):
 * topic shape, object_id characters, unique and stable unique_ids with the instance id, device
 * identifiers, availability list with mode `all`, retained configs; re-announce after HA's birth;
 * ghost cleanup when a camera or label is removed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/log.ts';
import { startMosquitto, type Mosquitto } from '../../test/support/brokers.ts';
import { ControlPlane } from '../control-plane.ts';
import { FakeDetectControl, FakeStreamControl } from './fake-controls.ts';
import { collect, tempDir, testClient, testConfig, until } from './helpers.ts';

const run = promisify(execFile);
let broker: Mosquitto;
before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  await broker.dispose();
});

/** Retained configs as an independent client sees them: topic → parsed payload. */
async function retainedConfigs(): Promise<Map<string, Record<string, unknown>>> {
  const { stdout } = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(broker.port), '-v', '-t', 'homeassistant/#', '--retained-only', '-W', '2'], {
    timeout: 10_000,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const out = new Map<string, Record<string, unknown>>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const space = line.indexOf(' ');
    out.set(line.slice(0, space), JSON.parse(line.slice(space + 1)) as Record<string, unknown>);
  }
  return out;
}

function cameras(list: Array<[string, string[]]>) {
  return list.map(([id, labels]) => ({ id, labels, name: id.toUpperCase() }));
}

async function startPlane(t: Parameters<typeof tempDir>[0] & { after(fn: () => Promise<void>): void }, stateDir: string, list: Array<[string, string[]]>) {
  const ids = list.map(([id]) => id);
  const config = testConfig({ stateDir, mqttUrl: broker.url, ha: true, cameras: cameras(list) });
  const plane = new ControlPlane({
    config,
    logger: silentLogger(),
    stream: new FakeStreamControl(ids),
    detect: new FakeDetectControl(ids),
    registry: new Registry(),
  });
  await plane.start();
  await until(() => (plane.discovery?.stats.announcements ?? 0) >= 1, 5000, 'first announcement');
  return plane;
}

void test('discovery payloads follow the HA rules; HA birth re-announces; removed cameras leave no ghosts', async (t) => {
  const stateDir = tempDir(t);
  const plane = await startPlane(t, stateDir, [
    ['front', ['person', 'car']],
    ['back', ['person']],
  ]);
  const configs = await retainedConfigs();
  // per camera: (binary_sensor + sensor + snapshot image) per label + camera snapshot image + detect switch + stream switch + restart button; plus one connectivity sensor
  assert.equal(configs.size, 1 + (3 * 2 + 4) + (3 * 1 + 4), [...configs.keys()].join('\n'));
  const uniqueIds = new Set<string>();
  for (const [topic, payload] of configs) {
    const match = /^homeassistant\/(binary_sensor|sensor|switch|button|image)\/([a-zA-Z0-9_-]+)\/config$/.exec(topic);
    assert.ok(match, `topic shape ${topic}`);
    assert.equal(payload.unique_id, match[2], 'object_id is the unique_id');
    assert.match(String(payload.unique_id), /^lookout_test1_/, 'unique_id includes the instance id');
    assert.ok(!uniqueIds.has(String(payload.unique_id)), 'unique_ids are unique');
    uniqueIds.add(String(payload.unique_id));
    const device = payload.device as { identifiers?: string[] };
    assert.ok(Array.isArray(device?.identifiers) && device.identifiers.length > 0, `${topic}: device identifiers`);
    assert.equal((payload.origin as { name?: string })?.name, 'Lookout');
    if (String(payload.unique_id).endsWith('_available')) continue;
    assert.equal(payload.availability_mode, 'all', topic);
    const availability = payload.availability as Array<{ topic: string }>;
    assert.deepEqual(
      availability.map((entry) => entry.topic),
      ['lookout/available', `lookout/${String(payload.unique_id).split('_')[2]}/available`],
    );
    if ('command_topic' in payload) {
      assert.match(String(payload.command_topic), /^lookout\/[a-z]+\/(detect|stream|restart)\/set$/);
      assert.equal(payload.retain, false, 'HA must not retain commands');
    }
  }
  const person = configs.get('homeassistant/binary_sensor/lookout_test1_front_person_occupancy/config');
  assert.equal(person?.device_class, 'occupancy');
  assert.equal(person?.state_topic, 'lookout/front/person');
  assert.equal((configs.get('homeassistant/switch/lookout_test1_back_detect/config') as { state_topic?: string })?.state_topic, 'lookout/back/detect/state');
  const image = configs.get('homeassistant/image/lookout_test1_front_person_snapshot/config');
  assert.equal(image?.image_topic, 'lookout/front/person/snapshot');
  assert.equal(image?.content_type, 'image/jpeg');
  assert.equal(configs.get('homeassistant/image/lookout_test1_front_snapshot/config')?.image_topic, 'lookout/front/all/snapshot');

  // HA birth: configs are re-sent live (seen by a subscriber as non-retained messages) and states re-published.
  const watcher = await testClient(t, broker.url);
  const live = await collect(watcher, 'homeassistant/+/+/config');
  const states = await collect(watcher, 'lookout/front/detect/state');
  await until(() => states.length > 0);
  const before = live.length;
  const statesBefore = states.length;
  const ha = await testClient(t, broker.url);
  await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
  await until(() => live.filter((m) => !m.retain).length >= configs.size, 5000, 're-announcement');
  await until(() => states.length > statesBefore, 5000, 'states re-published');
  assert.ok(live.length - before >= configs.size);
  assert.equal(plane.discovery?.stats.births, 1);
  await plane.stop(2000);

  // Restart with `back` removed and `car` dropped from `front`: their entities get empty retained configs.
  const second = await startPlane(t, stateDir, [['front', ['person']]]);
  t.after(async () => {
    await second.stop(2000);
  });
  const after = await retainedConfigs();
  assert.equal(after.size, 1 + (3 + 4), [...after.keys()].join('\n'));
  assert.ok(![...after.keys()].some((topic) => topic.includes('_back_') || topic.includes('_car_')), 'no ghost entities');
  assert.equal(second.discovery?.stats.cleared, configs.size - after.size);
});

void test('split roles: gateway and detector announce disjoint entities on one broker', async (t) => {
  const stateDir = tempDir(t);
  const config = testConfig({ stateDir, mqttUrl: broker.url, ha: true, cameras: cameras([['split', ['person']]]) });
  const gateway = new ControlPlane({ config, logger: silentLogger(), stream: new FakeStreamControl(['split']), registry: new Registry() });
  const detector = new ControlPlane({ config, logger: silentLogger(), detect: new FakeDetectControl(['split']), registry: new Registry() });
  await Promise.all([gateway.start(), detector.start()]);
  t.after(async () => {
    await Promise.all([gateway.stop(2000), detector.stop(2000)]);
  });
  assert.equal(gateway.role, 'gateway');
  assert.equal(detector.role, 'detector');
  const gatewayTopics = new Set(gateway.discovery?.configs().map((c) => c.topic));
  const detectorTopics = detector.discovery?.configs().map((c) => c.topic) ?? [];
  assert.ok(detectorTopics.every((topic) => !gatewayTopics.has(topic)), 'no topic announced by both');
  assert.equal(gateway.mqtt?.availableTopic, 'lookout/available');
  assert.equal(detector.mqtt?.availableTopic, 'lookout/detector/available');
  // Each process answers only its own commands: a stream command goes to the gateway, detect to the detector.
  const client = await testClient(t, broker.url, { protocolVersion: 4 });
  const replies = await collect(client, 'lookout/response/#');
  await client.publishAsync('lookout/request/stream/pause', JSON.stringify({ camera: 'split', id: 's' }), { qos: 1 });
  await client.publishAsync('lookout/request/detect/off', JSON.stringify({ camera: 'split', id: 'd' }), { qos: 1 });
  await until(() => replies.length >= 2, 5000, 'two replies');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(replies.length, 2, 'exactly one reply per command');
  assert.ok(replies.every((reply) => JSON.parse(reply.payload).status === 'ok'));
});
