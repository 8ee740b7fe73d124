/**
 * The chaos soak's checkers (scripts/soak/checks.ts, delivery.ts) must catch what they exist for:
 * a supervisor that reports a stop but leaves its child running (a real leaking shell), an event id
 * that never reaches JetStream (real mosquitto and nats-server), slots over the limit, a slow
 * /healthz, memory that keeps growing; and stay silent on a clean run of the same fixtures.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import { isAlive } from '../common/proc.ts';
import { openSqlite } from '../detector/event-store/sqlite.ts';
import { checkDelivery, GrowthCheck, HealthCheck, OrphanCheck, SlotCheck, ViolationLog } from '../scripts/soak/checks.ts';
import { MqttEventCollector, producedEventIds, readJetStream } from '../scripts/soak/delivery.ts';
import { descendants, snapshotProcesses } from '../scripts/soak/proc-table.ts';
import { startMosquitto, startNatsServer, waitFor } from './support/brokers.ts';

/** A shell "supervisor" with one `sleep` child; on stdin EOF it exits, killing the child first or not. */
async function supervisor(cleanStop: boolean): Promise<{ shell: ReturnType<typeof spawn>; child: number; exited: Promise<void> }> {
  const script = cleanStop ? 'sleep 30 & echo $!; read x; kill $!; wait' : 'sleep 30 & echo $!; read x';
  const shell = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => shell.once('exit', () => resolve()));
  const pid = await new Promise<number>((resolve, reject) => {
    shell.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    shell.once('error', reject);
  });
  return { shell, child: pid, exited };
}

/** The last violation's text (read through a function: an earlier deepEqual narrows the list's type). */
function lastDetail(log: ViolationLog): string {
  return log.list.at(-1)?.detail ?? '';
}

function observe(check: OrphanCheck, now: number): void {
  const table = snapshotProcesses();
  check.observe(table, descendants(table, process.pid), now);
}

for (const clean of [false, true]) {
  void test(`orphan check: a supervisor that ${clean ? 'stops' : 'leaves behind'} its child → ${clean ? 'no violation' : 'a violation naming it'}`, async () => {
    const log = new ViolationLog();
    const check = new OrphanCheck(log, 1000);
    const { shell, child, exited } = await supervisor(clean);
    try {
      observe(check, Date.now());
      assert.ok(check.alive.some((proc) => proc.pid === child), 'the supervised child is tracked');
      // The supervisor reports the stop and exits.
      check.reportStopped(child);
      shell.stdin?.end();
      await exited;
      if (clean) await waitFor(() => !isAlive(child), 5000, 'the child gone');
      observe(check, Date.now());
      observe(check, Date.now() + 1500);
      if (clean) {
        assert.deepEqual(log.list, []);
      } else {
        assert.equal(log.count, 1);
        assert.equal(log.list[0]?.check, 'orphan');
        assert.match(log.list[0]?.detail ?? '', new RegExp(`^sleep ${child} still alive`));
        process.kill(child, 'SIGKILL');
        await waitFor(() => !isAlive(child), 5000, 'the leaked child gone');
        observe(check, Date.now() + 3000);
        assert.equal(check.lingeredMs.length, 1, 'how long the orphan outlived its stop is recorded');
        assert.ok((check.lingeredMs[0] ?? 0) >= 1500);
      }
    } finally {
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // already gone (the clean case)
      }
    }
  });
}

for (const drop of [true, false]) {
  void test(`delivery check over real brokers: ${drop ? 'an event id missing from JetStream is lost' : 'every id delivered: nothing lost'}`, async () => {
    await using mosquitto = await startMosquitto({ persistence: false });
    await using nats = await startNatsServer();
    const dir = mkdtempSync(join(tmpdir(), 'lookout-soak-checks-'));
    const collector = await MqttEventCollector.start(mosquitto.url, 'lookout/events');
    const publisher = mqtt.connect(mosquitto.url);
    const nc = await connect({ servers: nats.url });
    try {
      const ids = ['1.0.aaaa', '2.0.bbbb', '3.0.cccc'];
      const db = await openSqlite(join(dir, 'events.db'));
      db.exec('CREATE TABLE events (id TEXT PRIMARY KEY)');
      for (const id of ids) db.prepare('INSERT INTO events (id) VALUES (?)').run(id);
      db.close();
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'LOOKOUT_EVENTS', subjects: ['lookout.soak.events'] });
      const js = jetstream(nc);
      for (const [index, id] of ids.entries()) {
        const payload = JSON.stringify({ type: 'new', after: { id } });
        await publisher.publishAsync('lookout/events', payload, { qos: 1 });
        if (drop && index === 2) continue;
        await js.publish('lookout.soak.events', payload, { msgID: `${id}:new` });
      }
      // A redelivered MQTT message is a duplicate, allowed over MQTT.
      await publisher.publishAsync('lookout/events', JSON.stringify({ type: 'new', after: { id: ids[0] } }), { qos: 1 });
      await waitFor(() => collector.messages.length === 4, 10_000, 'four MQTT messages');
      const log = new ViolationLog();
      const result = checkDelivery({ produced: await producedEventIds(dir), mqtt: collector.messages, jetstream: await readJetStream(nats.url, 'LOOKOUT_EVENTS') }, log);
      assert.equal(result.events_produced, 3);
      assert.equal(result.duplicates_mqtt, 1);
      assert.equal(result.duplicates_jetstream, 0);
      if (drop) {
        assert.equal(result.events_lost, 1);
        assert.deepEqual(result.lost_ids, ['3.0.cccc']);
        assert.deepEqual(log.list.map((v) => v.detail), ['event 3.0.cccc missing from JetStream']);
      } else {
        assert.equal(result.events_lost, 0);
        assert.deepEqual(log.list, []);
      }
    } finally {
      await nc.close();
      await publisher.endAsync(true);
      await collector.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

void test('delivery check: the same Nats-Msg-Id twice in JetStream is a duplicate', () => {
  const log = new ViolationLog();
  const one = { id: 'a', msgId: 'a:new', payload: '{"after":{"id":"a"}}' };
  const result = checkDelivery({ produced: ['a'], mqtt: [{ id: 'a', payload: one.payload }], jetstream: [one, { ...one, payload: '{"after":{"id":"a"},"x":1}' }] }, log);
  assert.equal(result.duplicates_jetstream, 1);
  assert.equal(log.count, 1);
});

void test('slot check: more live children than the limit, or a gauge that disagrees for 3 samples, is a violation; a brief disagreement is not', () => {
  const log = new ViolationLog();
  const slots = new SlotCheck(log, 2);
  slots.sample(2, 2);
  slots.sample(1, 2); // one sample between an exit and its accounting
  slots.sample(1, 1);
  assert.deepEqual(log.list, []);
  slots.sample(3, 3);
  assert.equal(log.count, 2, 'live > limit and gauge > limit');
  for (let index = 0; index < 4; index++) slots.sample(1, 2);
  assert.equal(log.count, 3);
  assert.match(lastDetail(log), /slots in use 2 != 1 live publish children for 3 samples/);
});

void test('healthz check: slower than 1 s, an error or a non-200 is a violation', () => {
  const log = new ViolationLog();
  const health = new HealthCheck(log, 1000);
  health.sample({ ms: 20, status: 200 });
  assert.equal(log.count, 0);
  health.sample({ ms: 1200, status: 200 });
  health.sample({ ms: 5, error: 'ECONNREFUSED' });
  health.sample({ ms: 5, status: 503 });
  assert.equal(log.count, 3);
});

void test('growth check: steady RSS and fds pass, a leak fails, a restarted process gets its own warm-up', () => {
  const log = new ViolationLog();
  const growth = new GrowthCheck(log, { warmupMs: 10_000, maxRssGrowthMb: 20, maxFdGrowth: 5 });
  for (let t = 0; t <= 70_000; t += 5000) {
    growth.sample('steady', 1, { rss: 100 + (t % 10_000 === 0 ? 1 : 0), fds: 30 }, t);
    growth.sample('leaky', 2, { rss: 100 + t / 1000, fds: 30 + t / 5000 }, t);
    // Restarted at 30 s: it starts small and grows for a while (its warm-up), then is flat.
    if (t >= 30_000) growth.sample('restarted', 3, { rss: t < 40_000 ? 50 : 150, fds: 20 }, t);
  }
  const result = growth.result();
  assert.equal(result.series, 3);
  assert.deepEqual(log.list.map((v) => v.detail), ['leaky:2 RSS grew 50.0 MB > 20 MB', 'leaky:2 fds grew by 10 > 5']);
  assert.equal(result.rss_growth_mb, 50);
  assert.equal(result.fd_growth, 10);
});

void test('a clean run of every checker reports nothing', async () => {
  const log = new ViolationLog();
  const orphans = new OrphanCheck(log, 500);
  observe(orphans, Date.now());
  await sleep(10);
  observe(orphans, Date.now() + 1000);
  new SlotCheck(log, 3).sample(3, 3);
  new HealthCheck(log).sample({ ms: 3, status: 200 });
  checkDelivery({ produced: [], mqtt: [], jetstream: [] }, log);
  assert.deepEqual(log.list, []);
});
