/** Shared test helpers for the control plane: configs, temp dirs, MQTT test clients. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parseConfig } from '../../common/config/load.ts';
import type { LookoutConfig } from '../../common/config/schema.ts';

export function tempDir(t: { after(fn: () => void): void }, prefix = 'lookout-control-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestConfigInput {
  stateDir: string;
  cameras?: Array<{ id: string; name?: string; labels?: string[] }>;
  mqttUrl?: string;
  natsUrl?: string;
  jetstream?: boolean;
  site?: string;
  ha?: boolean;
  extra?: Record<string, unknown>;
}

export function testConfig(input: TestConfigInput): LookoutConfig {
  const raw: Record<string, unknown> = {
    instance_id: 'test1',
    state_dir: input.stateDir,
    cameras: (input.cameras ?? [{ id: 'cam1' }, { id: 'cam2' }]).map((camera) => ({
      id: camera.id,
      ...(camera.name ? { name: camera.name } : {}),
      source: 'testsrc://',
      ...(camera.labels ? { detect: { labels: camera.labels } } : {}),
    })),
    outbox: { fsync: 'never', retry_initial: '20ms', retry_max: '200ms', breaker_cooldown: '200ms' },
    ...input.extra,
  };
  if (input.mqttUrl) raw.mqtt = { url: input.mqttUrl, publish_timeout: '2s', home_assistant: { enabled: input.ha ?? false } };
  if (input.natsUrl) {
    raw.nats = { servers: [input.natsUrl], site: input.site ?? 'site1', request_timeout: '2s', jetstream: { enabled: input.jetstream ?? false, max_age: '1h', max_bytes: 64 * 1024 * 1024 } };
  }
  return parseConfig(raw, { env: {} });
}

/** An MQTT test client, connected; ended by the test's cleanup. */
export async function testClient(t: { after(fn: () => Promise<void>): void }, url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 200, protocolVersion: 5, ...options });
  t.after(async () => {
    await client.endAsync(true);
  });
  return client;
}

/** Collects messages on `filter` into an array (topic, payload text, retain flag). */
export async function collect(client: MqttClient, filter: string) {
  const messages: Array<{ topic: string; payload: string; retain: boolean }> = [];
  client.on('message', (topic, payload, packet) => {
    if (matches(filter, topic)) messages.push({ topic, payload: payload.toString(), retain: packet.retain });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return messages;
}

function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export async function until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Timers alive in this process (for leak checks around command cycles). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}
