/**
 * Home Assistant availability, evaluated the way HA does it, on discovery configs and availability
 * payloads captured from a real mosquitto with `mosquitto_sub`:
 *  - an availability entry's payload goes through its `value_template` (if any), and the result is
 *    compared with `payload_available` / `payload_not_available`; anything else is ignored and the
 *    entity keeps its previous availability (this is why `stopped` used to leave entities available);
 *  - an entity starts unavailable; with `availability_mode: all` it is available only when every
 *    entry is.
 * Templates are not run through Jinja: the test accepts exactly two fixed forms
 * (AVAILABILITY_TEMPLATE for availability, CONNECTED_STATE_TEMPLATE for the connected sensors' state)
 * and evaluates them with a small check; any other template fails the test.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/log.ts';
import { startMosquitto, type Mosquitto } from '../../test/support/brokers.ts';
import { ControlPlane } from '../control-plane.ts';
import type { ControlRole } from '../mqtt/topics.ts';
import { AVAILABILITY_TEMPLATE, CONNECTED_STATE_TEMPLATE } from '../mqtt/ha-entities.ts';
import { FakeDetectControl, FakeStreamControl } from './fake-controls.ts';
import { tempDir, testConfig, until } from './helpers.ts';

const run = promisify(execFile);
let broker: Mosquitto;
before(async () => {
  broker = await startMosquitto({ persistence: false });
});
after(async () => {
  await broker.dispose();
});

/** Retained messages under `filter`, read by mosquitto_sub: topic → payload text. */
async function retained(filter: string): Promise<Map<string, string>> {
  const { stdout } = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(broker.port), '-v', '-t', filter, '--retained-only', '-W', '2'], {
    timeout: 10_000,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) out.set(line.slice(0, space), line.slice(space + 1));
  }
  return out;
}

const FIXED_FORM = /^\{\{ '([^']*)' if value == '([^']*)' else '([^']*)' \}\}$/;

/** Renders one of the two fixed template forms for `value`; any other template is a failure. */
function render(template: string, value: string): string {
  assert.ok(template === AVAILABILITY_TEMPLATE || template === CONNECTED_STATE_TEMPLATE, `unexpected template ${template}`);
  const [, then, when, otherwise] = FIXED_FORM.exec(template) ?? [];
  assert.ok(then !== undefined && when !== undefined && otherwise !== undefined, template);
  return value === when ? then : otherwise;
}

interface AvailabilityEntry {
  topic: string;
  value_template?: string;
  payload_available?: string;
  payload_not_available?: string;
}

/** HA's reading of one availability message: true/false, or undefined when the payload is ignored. */
function availabilityOf(entry: AvailabilityEntry, payload: string): boolean | undefined {
  const value = entry.value_template === undefined ? payload : render(entry.value_template, payload);
  if (value === (entry.payload_available ?? 'online')) return true;
  if (value === (entry.payload_not_available ?? 'offline')) return false;
  return undefined;
}

/** An entity's availability after HA saw `messages` (topic, payload) in order. */
function entityAvailable(config: Record<string, unknown>, messages: Array<[string, string]>): boolean {
  const entries = (config.availability ?? []) as AvailabilityEntry[];
  if (entries.length === 0) return true;
  const state = entries.map(() => false);
  for (const [topic, payload] of messages) {
    entries.forEach((entry, index) => {
      if (entry.topic !== topic) return;
      const next = availabilityOf(entry, payload);
      if (next !== undefined) state[index] = next;
    });
  }
  return config.availability_mode === 'all' ? state.every(Boolean) : state.some(Boolean);
}

async function runPlane(t: Parameters<typeof tempDir>[0], role: ControlRole, prefix: string) {
  const cameras = ['cam1', 'cam2'];
  const config = testConfig({
    stateDir: tempDir(t),
    mqttUrl: broker.url,
    ha: true,
    cameras: cameras.map((id) => ({ id, labels: ['person'] })),
    extra: { instance_id: prefix },
  });
  const mqtt = { ...config.mqtt!, topic_prefix: prefix, home_assistant: { ...config.mqtt!.home_assistant, discovery_prefix: `ha-${prefix}` } };
  return new ControlPlane({
    config: { ...config, mqtt },
    logger: silentLogger(),
    role,
    ...(role !== 'detector' ? { stream: new FakeStreamControl(cameras) } : {}),
    ...(role !== 'gateway' ? { detect: new FakeDetectControl(cameras) } : {}),
    registry: new Registry(),
  });
}

void test('the two fixed template forms: online → available, stopped and offline → unavailable', () => {
  const entry = { topic: 'x', value_template: AVAILABILITY_TEMPLATE, payload_available: 'online', payload_not_available: 'offline' };
  assert.equal(availabilityOf(entry, 'online'), true);
  assert.equal(availabilityOf(entry, 'stopped'), false);
  assert.equal(availabilityOf(entry, 'offline'), false);
  assert.equal(availabilityOf(entry, ''), false);
  assert.equal(render(CONNECTED_STATE_TEMPLATE, 'online'), 'ON');
  assert.equal(render(CONNECTED_STATE_TEMPLATE, 'stopped'), 'OFF');
  // Without a template (the old configs) HA ignores `stopped`: the entity stays available.
  assert.equal(entityAvailable({ availability: [{ topic: 'x' }] }, [['x', 'online'], ['x', 'stopped']]), true);
  assert.throws(() => render("{{ value_json.state }}", 'online'), /unexpected template/);
});

/** Discovery configs under the plane's discovery prefix, parsed. */
async function discovery(prefix: string): Promise<Map<string, Record<string, unknown>>> {
  return new Map([...(await retained(`ha-${prefix}/#`))].map(([topic, text]) => [topic, JSON.parse(text) as Record<string, unknown>]));
}

/** Checks the configs' shape and returns every availability topic they use. */
function checkConfigs(configs: Map<string, Record<string, unknown>>): Set<string> {
  const availabilityTopics = new Set<string>();
  for (const [topic, config] of configs) {
    const entries = config.availability as AvailabilityEntry[] | undefined;
    assert.ok(Array.isArray(entries) && entries.length > 0, `${topic}: has an availability list`);
    assert.equal(config.availability_topic, undefined, `${topic}: availability and availability_topic are exclusive in HA`);
    for (const entry of entries) {
      assert.equal(typeof entry.topic, 'string', `${topic}: every entry has a topic`);
      assert.equal(entry.value_template, AVAILABILITY_TEMPLATE, `${topic}: availability template`);
      assert.equal(entry.payload_available, 'online');
      assert.equal(entry.payload_not_available, 'offline');
      availabilityTopics.add(entry.topic);
    }
    const component = topic.split('/')[1];
    assert.equal(config.default_entity_id, `${component}.${String(config.unique_id)}`, `${topic}: default_entity_id (HA 2025.10+)`);
    assert.equal(config.object_id, config.unique_id, `${topic}: object_id kept for older HA`);
    assert.equal((config.origin as Record<string, unknown>).support_url, undefined, `${topic}: no made-up support_url`);
    if (config.device_class === 'connectivity') assert.equal(config.value_template, CONNECTED_STATE_TEMPLATE, `${topic}: connected state template`);
  }
  return availabilityTopics;
}

/** The process topic of an entity: its first availability entry (the announcing process). */
function processTopic(config: Record<string, unknown>): string {
  return ((config.availability as AvailabilityEntry[])[0] as AvailabilityEntry).topic;
}

for (const layout of ['combined', 'split'] as const) {
  void test(`${layout}: captured discovery configs are available while running and unavailable after a clean stop or a crash`, async (t) => {
    const prefix = `av${layout}`;
    const roles: ControlRole[] = layout === 'combined' ? ['combined'] : ['gateway', 'detector'];
    const planes = await Promise.all(roles.map((role) => runPlane(t, role, prefix)));
    const stopped = new Set<ControlPlane>();
    t.after(async () => {
      for (const plane of planes) if (!stopped.has(plane)) await plane.stop(2000);
    });
    for (const plane of planes) {
      await plane.start();
      await until(() => (plane.discovery?.stats.announcements ?? 0) >= 1, 10_000, 'discovery announced');
    }
    const configs = await discovery(prefix);
    // per camera: detector (occupancy + count + snapshot image for person, camera snapshot image, detect switch), gateway (stream + restart)
    assert.equal(configs.size, roles.length + 2 * (3 + 1 + 1) + 2 * 2, [...configs.keys()].join('\n'));
    const availabilityTopics = checkConfigs(configs);
    const running = await retained(`${prefix}/#`);
    for (const [topic, config] of configs) {
      assert.equal(entityAvailable(config, [...running]), true, `${topic}: available while running (${JSON.stringify([...running])})`);
      if (config.device_class === 'connectivity') assert.equal(render(String(config.value_template), running.get(String(config.state_topic)) ?? ''), 'ON');
      // A crash: the broker publishes the announcing process's last will, `offline`.
      assert.equal(entityAvailable(config, [...running, [processTopic(config), 'offline']]), false, `${topic}: unavailable after the last will`);
    }

    // Stop the detector alone (split) or the whole process (combined): what it announced goes unavailable.
    const first = planes.at(-1) as ControlPlane;
    await first.stop(3000);
    stopped.add(first);
    const afterFirst = await retained(`${prefix}/#`);
    for (const [topic, config] of configs) {
      const owned = processTopic(config) === first.mqtt?.availableTopic;
      assert.equal(entityAvailable(config, [...running, ...afterFirst]), !owned, `${topic}: ${owned ? 'unavailable' : 'still available'} after ${first.role} stopped`);
      if (owned && config.device_class === 'connectivity') assert.equal(render(String(config.value_template), afterFirst.get(String(config.state_topic)) ?? ''), 'OFF');
    }
    for (const plane of planes) {
      if (stopped.has(plane)) continue;
      await plane.stop(3000);
      stopped.add(plane);
    }
    const afterStop = await retained(`${prefix}/#`);
    for (const topic of availabilityTopics) {
      assert.ok(['stopped', 'offline'].includes(afterStop.get(topic) ?? ''), `${topic} after a clean stop: ${afterStop.get(topic)}`);
    }
    for (const camera of ['cam1', 'cam2']) assert.equal(afterStop.get(`${prefix}/${camera}/available`), 'offline', `${camera} availability after a clean stop`);
    for (const [topic, config] of configs) assert.equal(entityAvailable(config, [...running, ...afterStop]), false, `${topic}: unavailable after a clean stop`);
  });
}
