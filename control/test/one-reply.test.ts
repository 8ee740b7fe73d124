/**
 * One request, one execution, one reply: a real `mosquitto_sub` counts the replies a request gets
 * (exactly one), a request delivered twice (same id and reply address) runs once and is counted as
 * a duplicate, and `lookout_commands_executed_total` goes up by exactly one per request. The same
 * over a real nats-server. A sentinel request for the same camera is sent last: commands for one
 * camera run in arrival order, so once its reply is in, any second execution would have replied.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/log.ts';
import { startMosquitto, startNatsServer, waitFor, type Mosquitto, type NatsServer } from '../../test/support/brokers.ts';
import { ControlPlane } from '../control-plane.ts';
import { RecentRequestIds, requestKey } from '../commands/recent-request-ids.ts';
import { FakeDetectControl, FakeStreamControl } from './fake-controls.ts';
import { tempDir, testClient, testConfig } from './helpers.ts';

let mosquitto: Mosquitto;
let nats: NatsServer;
before(async () => {
  [mosquitto, nats] = await Promise.all([startMosquitto({ persistence: false }), startNatsServer()]);
});
after(async () => {
  await Promise.all([mosquitto.dispose(), nats.dispose()]);
});

type TestContext = Parameters<typeof tempDir>[0] & { after(fn: () => Promise<void>): void };

async function startPlane(t: TestContext, brokers: { mqtt?: boolean; nats?: boolean }) {
  const cameras = ['cam1', 'cam2'];
  const stream = new FakeStreamControl(cameras);
  const registry = new Registry();
  const config = testConfig({
    stateDir: tempDir(t),
    ...(brokers.mqtt ? { mqttUrl: mosquitto.url } : {}),
    ...(brokers.nats ? { natsUrl: nats.url } : {}),
  });
  const plane = new ControlPlane({ config, logger: silentLogger(), stream, detect: new FakeDetectControl(cameras), registry, reconnectMs: 200 });
  await plane.start();
  t.after(async () => {
    await plane.stop(2000);
  });
  return { plane, stream, registry };
}

/** Value of lookout_commands_executed_total / lookout_command_duplicates_total for the labels given. */
async function counterValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.filter((value) => Object.entries(labels).every(([key, want]) => value.labels[key] === want)).reduce((sum, value) => sum + value.value, 0);
}

/** `mosquitto_sub` on `filter` in its own process group; lines are `REPLY <topic> <payload>`. */
async function mosquittoSub(t: TestContext, filter: string) {
  const child: ChildProcess = spawn(
    'mosquitto_sub',
    ['-h', '127.0.0.1', '-p', String(mosquitto.port), '-V', 'mqttv311', '-q', '1', '-t', filter, '-F', 'REPLY %t %p'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  t.after(async () => {
    try {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => child.pid && child.exitCode === null && process.kill(-child.pid, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  });
  // mosquitto_sub says nothing when subscribed (and buffers its debug output), so probe until it prints.
  const probe = await testClient(t, mosquitto.url);
  const probeTopic = filter.replace('#', 'probe');
  await waitFor(
    async () => {
      await probe.publishAsync(probeTopic, '{"status":"probe"}', { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      return output.includes(`REPLY ${probeTopic} `);
    },
    10_000,
    'mosquitto_sub subscribed',
  );
  return {
    replies: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('REPLY '))
        .map((line) => {
          const [, topic, ...rest] = line.split(' ');
          return { topic: topic ?? '', body: JSON.parse(rest.join(' ')) as { status: string; id?: unknown } };
        }),
  };
}

void test('the dedupe window: a key is admitted once per window, the bound evicts the oldest', () => {
  let now = 0;
  const recent = new RecentRequestIds({ windowMs: 1000, maxEntries: 3, now: () => now });
  assert.equal(recent.admit('a'), true);
  assert.equal(recent.admit('a'), false, 'repeat within the window');
  now = 999;
  assert.equal(recent.admit('a'), false, 'still within the window');
  now = 1000;
  assert.equal(recent.admit('a'), true, 'window over: a new request');
  for (const key of ['b', 'c', 'd']) assert.equal(recent.admit(key), true);
  assert.equal(recent.size, 3, 'bounded');
  assert.equal(recent.evicted, 1);
  assert.equal(recent.admit('a'), true, 'the oldest key was evicted by the bound');
  assert.equal(requestKey('lookout/response', undefined), undefined, 'no id and no correlation: no key');
  assert.notEqual(requestKey('reply/a', 'r1'), requestKey('reply/b', 'r1'), 'the same id for another reply address is another request');
  assert.notEqual(requestKey('reply/a', 1), requestKey('reply/a', '1'), 'number and string ids differ');
});

void test('MQTT: one request gets exactly one reply (counted by mosquitto_sub) and one execution', async (t) => {
  const { stream, registry } = await startPlane(t, { mqtt: true });
  const sub = await mosquittoSub(t, 'lookout/response/#');
  const sender = await testClient(t, mosquitto.url, { protocolVersion: 4 });
  const executed = () => counterValue(registry, 'lookout_commands_executed_total', { command: 'stream.restart', transport: 'mqtt', outcome: 'ok' });
  assert.equal(await executed(), 0);
  for (const topic of ['lookout/request/stream/restart', 'lookout/request']) {
    const id = `r-${topic}`;
    const body = topic === 'lookout/request' ? { command: 'stream.restart', camera: 'cam1', id } : { camera: 'cam1', id };
    const before = await executed();
    await sender.publishAsync(topic, JSON.stringify(body), { qos: 1 });
    await sender.publishAsync('lookout/request/status', JSON.stringify({ camera: 'cam1', id: `sentinel-${id}` }), { qos: 1 });
    await waitFor(() => sub.replies().some((reply) => reply.body.id === `sentinel-${id}`), 10_000, 'sentinel reply');
    const replies = sub.replies().filter((reply) => reply.body.id === id);
    assert.equal(replies.length, 1, `${topic}: ${JSON.stringify(replies)}`);
    assert.equal(replies[0]?.body.status, 'ok');
    assert.equal(await executed(), before + 1, `${topic}: lookout_commands_executed_total went up by exactly one`);
  }
  assert.equal(stream.calls.filter((call) => call === 'restart:cam1').length, 2, 'two requests, two restarts');
  // Nothing was even delivered twice: the subscriptions do not overlap (dedupe had nothing to drop).
  assert.equal(await counterValue(registry, 'lookout_command_duplicates_total', { transport: 'mqtt' }), 0);
});

void test('MQTT: the same request delivered twice runs once, replies once, and counts a duplicate', async (t) => {
  const { stream, registry } = await startPlane(t, { mqtt: true });
  const sub = await mosquittoSub(t, 'lookout/response/#');
  const sender = await testClient(t, mosquitto.url, { protocolVersion: 4 });
  const request = JSON.stringify({ camera: 'cam2', id: 'twice' });
  await sender.publishAsync('lookout/request/stream/pause', request, { qos: 1 });
  await sender.publishAsync('lookout/request/stream/pause', request, { qos: 1 });
  await sender.publishAsync('lookout/request/stream/status', JSON.stringify({ camera: 'cam2', id: 'sentinel' }), { qos: 1 });
  await waitFor(() => sub.replies().some((reply) => reply.body.id === 'sentinel'), 10_000, 'sentinel reply');
  assert.equal(sub.replies().filter((reply) => reply.body.id === 'twice').length, 1);
  assert.deepEqual(stream.calls, ['pause:cam2']);
  assert.equal(await counterValue(registry, 'lookout_commands_executed_total', { command: 'stream.pause', transport: 'mqtt' }), 1);
  assert.equal(await counterValue(registry, 'lookout_command_duplicates_total', { transport: 'mqtt' }), 1);
  // A new id for the same command is a new request.
  await sender.publishAsync('lookout/request/stream/pause', JSON.stringify({ camera: 'cam2', id: 'again' }), { qos: 1 });
  await waitFor(() => sub.replies().some((reply) => reply.body.id === 'again'), 10_000, 'reply to a new id');
  assert.deepEqual(stream.calls, ['pause:cam2', 'pause:cam2']);
});

async function natsClient(t: TestContext): Promise<NatsConnection> {
  const nc = await connect({ servers: nats.url });
  t.after(async () => {
    await nc.close();
  });
  return nc;
}

void test('NATS: one request, one reply, one execution; a repeat on the same inbox and id is dropped', async (t) => {
  const { stream, registry } = await startPlane(t, { nats: true });
  const nc = await natsClient(t);
  const inbox = createInbox();
  const replies: Array<{ id?: unknown; status: string }> = [];
  nc.subscribe(inbox, { callback: (_error, msg) => void replies.push(msg.json()) });
  await nc.flush();
  const executed = () => counterValue(registry, 'lookout_commands_executed_total', { command: 'stream.restart', transport: 'nats', outcome: 'ok' });
  nc.publish('lookout.site1.control.cam1.restart', JSON.stringify({ id: 'n1' }), { reply: inbox });
  nc.publish('lookout.site1.control.cam1.restart', JSON.stringify({ id: 'n1' }), { reply: inbox });
  nc.publish('lookout.site1.control.cam1.status', JSON.stringify({ id: 'sentinel' }), { reply: inbox });
  await waitFor(() => replies.some((reply) => reply.id === 'sentinel'), 10_000, 'sentinel reply');
  assert.equal(replies.filter((reply) => reply.id === 'n1').length, 1, JSON.stringify(replies));
  assert.deepEqual(stream.calls, ['restart:cam1']);
  assert.equal(await executed(), 1);
  assert.equal(await counterValue(registry, 'lookout_command_duplicates_total', { transport: 'nats' }), 1);
  // Plain request/reply (a fresh inbox each time) with the same id: two requests, two executions.
  for (let i = 0; i < 2; i++) {
    const reply = (await nc.request('lookout.site1.control.cam1.restart', JSON.stringify({ id: 'n2' }), { timeout: 5000 })).json<{ status: string }>();
    assert.equal(reply.status, 'ok');
  }
  assert.equal(await executed(), 3);
  assert.equal(stream.calls.filter((call) => call === 'restart:cam1').length, 3);
});
