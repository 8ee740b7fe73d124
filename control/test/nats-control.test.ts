/**
 * Control and events over a real nats-server: request/reply pause/resume cycles (sequential,
 * concurrent, repeated), the bad-input table, core events, and JetStream events with Nats-Msg-Id
 * de-duplication and the stream created with the configured retention.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/log.ts';
import { startNatsServer, type NatsServer } from '../../test/support/brokers.ts';
import { ControlPlane } from '../control-plane.ts';
import { FakeDetectControl, FakeStreamControl } from './fake-controls.ts';
import { activeTimers, tempDir, testConfig, until } from './helpers.ts';

let server: NatsServer;
let nc: NatsConnection;
before(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
});
after(async () => {
  await nc.close();
  await server.dispose();
});

async function startPlane(t: Parameters<typeof tempDir>[0] & { after(fn: () => Promise<void>): void }, options: { jetstream?: boolean } = {}) {
  const cameras = ['cam1', 'cam2'];
  const stream = new FakeStreamControl(cameras);
  const detect = new FakeDetectControl(cameras);
  const config = testConfig({ stateDir: tempDir(t), natsUrl: server.url, jetstream: options.jetstream ?? false });
  const plane = new ControlPlane({ config, logger: silentLogger(), stream, detect, registry: new Registry(), reconnectMs: 200 });
  await plane.start();
  t.after(async () => {
    await plane.stop(2000);
  });
  assert.equal(plane.nats?.connected, true);
  return { plane, stream, detect };
}

async function request(subject: string, body = ''): Promise<Record<string, unknown>> {
  const reply = await nc.request(subject, body, { timeout: 5000 });
  return reply.json();
}

void test('pause/resume cycles over NATS request/reply; concurrent commands end in the last state', async (t) => {
  const { plane, stream } = await startPlane(t);
  const timersBefore = activeTimers();
  for (let cycle = 0; cycle < 30; cycle++) {
    const verb = cycle % 2 === 0 ? 'stream.pause' : 'stream.resume';
    const reply = await request(`lookout.site1.control.cam1.${verb}`, JSON.stringify({ id: cycle }));
    assert.equal(reply.status, 'ok', JSON.stringify(reply));
    assert.equal(reply.id, cycle);
    assert.equal(stream.state.get('cam1'), cycle % 2 === 0 ? 'paused' : 'running');
  }
  const alias = await request('lookout.site1.control.cam2.pause');
  assert.equal(alias.status, 'ok');
  stream.delayMs = 3;
  const verbs = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'resume' : 'pause'));
  verbs.push('pause');
  const replies = await Promise.all(verbs.map((verb) => request(`lookout.site1.control.cam1.${verb}`)));
  assert.ok(replies.every((reply) => reply.status === 'ok'));
  assert.equal(stream.state.get('cam1'), 'paused');
  assert.equal(stream.maxConcurrentPerCamera, 1);
  const all = await request('lookout.site1.control.ALL.detect.off');
  assert.equal(all.status, 'ok');
  await plane.table.idle();
  assert.equal(plane.table.busyCameras, 0);
  // In-flight publish deadlines clear as acks arrive; a leak would never come back to the baseline.
  await until(() => activeTimers() <= timersBefore + 2, 5000, `active timers back to baseline (${timersBefore} → ${activeTimers()})`);
});

void test('bad input table over NATS: every case gets an error reply and the responder keeps serving', async (t) => {
  await startPlane(t);
  const cases: Array<[string, string, string]> = [
    ['lookout.site1.control.cam1.stream.pause', '{"id": ', 'bad_json'],
    ['lookout.site1.control.cam1.stream.pause', '[1]', 'bad_request'],
    ['lookout.site1.control.cam1.stream.pause', '"text"', 'bad_request'],
    ['lookout.site1.control.cam1.stream.pause', '{"id": {"x": 1}}', 'bad_request'],
    ['lookout.site1.control.cam1.stream.pause', '{"unexpected": true}', 'bad_request'],
    ['lookout.site1.control.nope.stream.pause', '', 'unknown_camera'],
    ['lookout.site1.control.cam1.stream.explode', '', 'unknown_command'],
    ['lookout.site1.control.cam1', '', 'bad_request'],
    ['lookout.site1.control.cam1.a.b.c', '', 'bad_request'],
    ['lookout.site1.control.cam1.stream.pause', 'x'.repeat(1_000_000), 'payload_too_large'],
  ];
  for (const [subject, body, code] of cases) {
    const reply = await request(subject, body);
    assert.equal(reply.status, 'error', `${subject} ${body.slice(0, 30)}`);
    assert.equal((reply.error as { code: string }).code, code, `${subject} ${body.slice(0, 30)}`);
  }
  const ok = await request('lookout.site1.control.cam1.status', '{"id":"still"}');
  assert.equal(ok.status, 'ok');
  assert.equal(ok.id, 'still');
});

void test('events: core NATS subject, and JetStream with de-duplication by event id', async (t) => {
  const { plane } = await startPlane(t, { jetstream: true });
  const jsm = await jetstreamManager(nc);
  const received: string[] = [];
  const sub = nc.subscribe('lookout.site1.events', {
    callback: (_error, msg) => {
      received.push(msg.string());
    },
  });
  t.after(() => sub.unsubscribe());
  for (let i = 0; i < 20; i++) {
    plane.event({ type: 'new', id: i, camera: 'cam1', label: 'person', score: 0.9, box: [1, 2, 3, 4], firstSeen: 1_700_000_000_000 + i, lastSeen: 1_700_000_000_000 + i });
  }
  assert.equal(await plane.outbox.flush(10_000), true);
  await until(() => received.length === 20, 5000, 'core subscribers see JetStream-published events');
  const info = await jsm.streams.info('LOOKOUT_EVENTS');
  assert.equal(info.state.messages, 20);
  assert.equal(info.config.max_age, 3_600_000 * 1_000_000, 'max_age from config, in nanoseconds');
  assert.equal(info.config.max_bytes, 64 * 1024 * 1024);
  // Replaying the same ids (as after an outage) does not duplicate in the stream.
  const sink = plane.jetstream;
  assert.ok(sink);
  const first = JSON.parse(received[0] ?? '{}') as { after: { id: string } };
  const replay = await sink.send(`${first.after.id}-new-1700000000.000`, received[0] ?? '');
  assert.equal(replay.duplicate, true);
  assert.equal((await jsm.streams.info('LOOKOUT_EVENTS')).state.messages, 20);
  const event = JSON.parse(received[5] ?? '{}') as { type: string; after: Record<string, unknown> };
  assert.equal(event.type, 'new');
  assert.equal(event.after.camera, 'cam1');
  assert.equal(event.after.label, 'person');
  assert.deepEqual(event.after.box, [1, 2, 3, 4]);
});
