/**
 * The delivery side of the soak: an MQTT subscriber on <prefix>/events that lives through broker
 * restarts (persistent session, QoS 1), the produced event ids from the detector's event store, and
 * the JetStream stream read back message by message (with its Nats-Msg-Id) at the end.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import mqtt, { type MqttClient } from 'mqtt';
import { openSqlite } from '../../detector/event-store/sqlite.ts';

function eventId(payload: string): string | undefined {
  try {
    const parsed = JSON.parse(payload) as { after?: { id?: unknown } };
    return typeof parsed.after?.id === 'string' ? parsed.after.id : undefined;
  } catch {
    return undefined;
  }
}

/** Collects every event message on the MQTT events topic, across broker restarts. */
export class MqttEventCollector {
  readonly messages: Array<{ id: string; payload: string }> = [];
  readonly #client: MqttClient;

  private constructor(client: MqttClient) {
    this.#client = client;
  }

  static async start(url: string, topic: string): Promise<MqttEventCollector> {
    const client = mqtt.connect(url, { clientId: `soak-collector-${process.pid}`, clean: false, reconnectPeriod: 250, connectTimeout: 5000 });
    const collector = new MqttEventCollector(client);
    client.on('message', (_topic, payload) => {
      const text = payload.toString('utf8');
      const id = eventId(text);
      if (id) collector.messages.push({ id, payload: text });
    });
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`MQTT collector could not connect to ${url}`)), 10_000);
      client.once('connect', () => {
        client.subscribe(topic, { qos: 1 }, (error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
      });
    });
    return collector;
  }

  async close(): Promise<void> {
    await this.#client.endAsync(true);
  }
}

/** Every events.db under the state dir (the detector's event store), newest first. */
function eventStores(stateDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 3 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (entry === 'events.db') found.push(path);
      else if (statSync(path).isDirectory()) walk(path, depth + 1);
    }
  };
  walk(stateDir, 0);
  return found;
}

/** Ids of every event the detector stored (what it produced). */
export async function producedEventIds(stateDir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const path of eventStores(stateDir)) {
    const db = await openSqlite(path);
    try {
      for (const row of db.prepare('SELECT id FROM events').all()) ids.push(String(row.id));
    } finally {
      db.close();
    }
  }
  return ids;
}

/** Every message in the JetStream stream, by sequence, with its Nats-Msg-Id. */
export async function readJetStream(url: string, stream: string): Promise<Array<{ id: string; msgId: string; payload: string }>> {
  const nc = await connect({ servers: url, timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5000 });
    const info = await jsm.streams.info(stream);
    const out: Array<{ id: string; msgId: string; payload: string }> = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq });
      if (!message) continue;
      const payload = new TextDecoder().decode(message.data);
      out.push({ id: eventId(payload) ?? `(unparsed seq ${seq})`, msgId: message.header.get('Nats-Msg-Id') || `(no id, seq ${seq})`, payload });
    }
    return out;
  } finally {
    await nc.close();
  }
}
