/**
 * Broker outage with events flowing (issue 5): both brokers (mosquitto, nats-server with JetStream)
 * go down for OUTAGE_MS while a publisher process emits events; half-way through the outage the
 * publisher process is stopped and a new one started on the same state dir (the disk spill must be
 * replayed). After the brokers return, every event arrives over MQTT and in the JetStream stream,
 * MQTT duplicates only repeat an id, the stream holds each id exactly once (Nats-Msg-Id de-dup),
 * and MQTT first arrivals are in order. Seeds: 002 (drain without losing work).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import { startMosquitto, startNatsServer } from '../../test/support/brokers.ts';
import { tempDir, until } from './helpers.ts';

/** The issue asks for a 60 s outage; LOOKOUT_OUTAGE_MS may shorten it while developing. */
const OUTAGE_MS = Number(process.env.LOOKOUT_OUTAGE_MS ?? 60_000);
const PUBLISHER = fileURLToPath(new URL('./fixtures/event-publisher.ts', import.meta.url));

interface Publisher {
  child: ChildProcess;
  lines: string[];
  exited: Promise<void>;
}

function startPublisher(configFile: string, start: number, stopDeadlineMs: number): Publisher {
  const child = spawn(process.execPath, ['--import', 'tsx', PUBLISHER, configFile, String(start), '40', String(stopDeadlineMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => lines.push(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, lines, exited };
}

async function stopPublisher(publisher: Publisher): Promise<{ emitted: number; drained: boolean }> {
  publisher.child.stdin?.write('stop\n');
  await until(() => publisher.lines.some((line) => line.startsWith('done ')), 30_000, 'publisher done');
  publisher.child.stdin?.end();
  await publisher.exited;
  const [, emitted, drained] = (publisher.lines.find((line) => line.startsWith('done ')) as string).split(' ');
  return { emitted: Number(emitted), drained: drained === 'true' };
}

void test(`every event survives a ${OUTAGE_MS / 1000} s outage of both brokers and a publisher restart`, { timeout: OUTAGE_MS + 120_000 }, async (t) => {
  const mosquitto = await startMosquitto();
  t.after(() => mosquitto.dispose());
  const nats = await startNatsServer();
  t.after(() => nats.dispose());
  const stateDir = tempDir(t);
  const configFile = join(stateDir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      instance_id: 'outage',
      state_dir: join(stateDir, 'state'),
      cameras: [{ id: 'cam1', source: 'testsrc://' }],
      mqtt: { url: mosquitto.url, publish_timeout: '2s', home_assistant: { enabled: false } },
      nats: { servers: [nats.url], site: 'site1', request_timeout: '2s', jetstream: { enabled: true, max_age: '1h' } },
      outbox: { memory_items: 50, segment_bytes: 16_384, retry_initial: '50ms', retry_max: '500ms', breaker_cooldown: '500ms' },
    }),
  );

  // Independent MQTT subscriber with a persistent session, so it misses nothing across the broker restart.
  const received: string[] = [];
  const subscriber = await mqtt.connectAsync(mosquitto.url, { clientId: 'outage-subscriber', clean: false, protocolVersion: 4, reconnectPeriod: 200 });
  t.after(async () => {
    await subscriber.endAsync(true);
  });
  subscriber.on('message', (_topic, payload) => received.push((JSON.parse(payload.toString()) as { after: { id: string } }).after.id));
  await subscriber.subscribeAsync('lookout/events', { qos: 1 });

  const first = startPublisher(configFile, 0, 3000);
  t.after(() => void first.child.kill('SIGKILL'));
  await until(() => first.lines.includes('ready'), 20_000, 'first publisher ready');
  await until(() => received.length >= 10, 10_000, 'events flowing before the outage');

  await Promise.all([mosquitto.stop(), nats.stop()]);
  const outageStarted = Date.now();
  await sleep(OUTAGE_MS / 2);
  const a = await stopPublisher(first);
  assert.equal(a.drained, false, 'brokers are down: the first publisher cannot drain, its spill stays on disk');

  const second = startPublisher(configFile, a.emitted, 15_000);
  t.after(() => void second.child.kill('SIGKILL'));
  await until(() => second.lines.includes('ready'), 20_000, 'second publisher ready');
  await sleep(Math.max(0, OUTAGE_MS - (Date.now() - outageStarted)));
  await Promise.all([mosquitto.start(), nats.start()]);
  await until(() => new Set(received).size >= a.emitted, 30_000, 'first publisher events replayed');
  await sleep(1000);
  const b = await stopPublisher(second);
  assert.equal(b.drained, true, 'second publisher drained before exiting');

  const total = a.emitted + b.emitted;
  const expected = new Set(Array.from({ length: total }, (_, i) => `1700000000.000-cam1-${i}`));
  await until(() => new Set(received).size >= total, 30_000, `all ${total} events over MQTT`).catch((error: Error) => {
    const got = new Set(received);
    const missing = [...expected].filter((id) => !got.has(id)).map((id) => Number(id.split('-').at(-1)));
    throw new Error(`${error.message}; missing ${missing.length}: ${missing.slice(0, 20).join(',')}... (a=${a.emitted}, b=${b.emitted})`);
  });
  assert.ok(received.every((id) => expected.has(id)), 'MQTT duplicates only repeat a known id');
  assert.equal(new Set(received).size, total, 'nothing lost over MQTT');
  const firstSeen: number[] = [];
  const seen = new Set<string>();
  for (const id of received) {
    if (seen.has(id)) continue;
    seen.add(id);
    firstSeen.push(Number(id.split('-').at(-1)));
  }
  assert.deepEqual(firstSeen, [...firstSeen].sort((x, y) => x - y), 'first arrivals in order');

  const nc = await connect({ servers: nats.url });
  t.after(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info('LOOKOUT_EVENTS');
  assert.equal(info.state.messages, total, 'JetStream holds each event exactly once');
  const stored = new Set<string>();
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const message = await jsm.streams.getMessage('LOOKOUT_EVENTS', { seq });
    stored.add((message?.json() as { after: { id: string } }).after.id);
  }
  assert.deepEqual([...stored].sort(), [...expected].sort());
  t.diagnostic(`outage ${OUTAGE_MS} ms: ${total} events (${a.emitted} + ${b.emitted}), ${received.length - total} MQTT duplicates`);
});
