/**
 * The MQTT side of the control plane (MQTT.js v5): one connection that reconnects forever, a last
 * will (`offline`, retained) with `online` on every connect and `stopped` on a clean exit, a cache
 * of every retained state this process owns that is re-published on each reconnect, deadlines on
 * every publish, and incoming commands handed to MqttCommandHandler. Retained topics published with
 * an `onStop` payload (camera availability) get it on a clean stop, so nothing this process owns
 * keeps saying `online` after it is gone.
 */
import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { settledWithin } from '../../common/lifecycle/deadline.ts';
import type { Logger } from '../../common/log.ts';
import type { MqttConfig } from '../../common/config/schema-outputs.ts';
import { secrets } from '../../common/redact.ts';
import type { CommandTable } from '../commands/command-table.ts';
import { SinkUnavailableError, withTimeout } from '../commands/deadline.ts';
import { mqttClientOptions } from './client-options.ts';
import { MqttCommandHandler } from './command-handler.ts';
import { MqttTopics, type ControlRole } from './topics.ts';

export interface MqttTransportOptions {
  config: MqttConfig;
  role: ControlRole;
  clientId: string;
  logger: Logger;
  table?: CommandTable;
  maxPayloadBytes?: number;
  reconnectPeriodMs?: number;
  protocolVersion?: 4 | 5;
}

type ExtraHandler = (payload: Buffer, retained: boolean) => void;

export class MqttTransport {
  readonly topics: MqttTopics;
  readonly availableTopic: string;
  /** Counters for tests and metrics. */
  readonly stats = { connects: 0, detectionsDropped: 0, publishErrors: 0 };
  #client: MqttClient | undefined;
  readonly #retained = new Map<string, string>();
  readonly #onStop = new Map<string, string>();
  readonly #connectListeners = new Set<() => void>();
  readonly #extra = new Map<string, ExtraHandler>();
  readonly #commands: MqttCommandHandler | undefined;
  readonly #timeoutMs: number;
  #stopping = false;

  constructor(readonly options: MqttTransportOptions) {
    this.topics = new MqttTopics(options.config.topic_prefix);
    this.availableTopic = this.topics.available(options.role);
    this.#timeoutMs = options.config.publish_timeout;
    secrets.add(options.config.password);
    if (options.table) {
      this.#commands = new MqttCommandHandler({
        table: options.table,
        topics: this.topics,
        logger: options.logger,
        maxPayloadBytes: options.maxPayloadBytes ?? 65_536,
        reply: (topic, payload, publishOptions) => this.#publishQuiet(topic, payload, publishOptions),
      });
    }
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /** Raw client, for leak checks in tests and benchmarks. */
  get client(): MqttClient | undefined {
    return this.#client;
  }

  get commandStats(): MqttCommandHandler['stats'] | undefined {
    return this.#commands?.stats;
  }

  /** Connects (and keeps reconnecting forever); resolves at the first connect or after `waitMs`. */
  async start(waitMs = 5000): Promise<void> {
    if (this.#client) return;
    const { config, logger } = this.options;
    const client = mqtt.connect(
      config.url,
      mqttClientOptions({
        config,
        clientId: this.options.clientId,
        willTopic: this.availableTopic,
        ...(this.options.reconnectPeriodMs !== undefined ? { reconnectPeriodMs: this.options.reconnectPeriodMs } : {}),
        ...(this.options.protocolVersion !== undefined ? { protocolVersion: this.options.protocolVersion } : {}),
      }),
    );
    this.#client = client;
    client.on('connect', () => this.#onConnect(client));
    client.on('message', (topic, payload, packet) => this.#onMessage(topic, payload, packet.retain, packet.properties));
    client.on('error', (error) => logger.warn({ err: error.message }, 'mqtt error'));
    client.on('offline', () => {
      if (!this.#stopping) logger.warn('mqtt broker unreachable; reconnecting');
    });
    if (client.connected) return;
    let connected!: () => void;
    await settledWithin(
      new Promise<void>((resolve) => {
        connected = resolve;
        client.once('connect', connected);
      }),
      waitMs,
    );
    client.off('connect', connected);
    if (!client.connected) logger.warn({ url: config.url }, `mqtt not connected after ${waitMs} ms; continuing and retrying in the background`);
  }

  /** Listener called on every (re)connect, after availability and retained state are re-published. */
  onConnect(listener: () => void): () => void {
    this.#connectListeners.add(listener);
    return () => this.#connectListeners.delete(listener);
  }

  /** Subscribes to an extra topic (e.g. HA's birth topic) on every connect. */
  subscribeTopic(topic: string, handler: ExtraHandler): void {
    this.#extra.set(topic, handler);
    if (this.connected) this.#client?.subscribe(topic, { qos: 1 });
  }

  /**
   * Retained state this process owns: cached, published now if connected, re-published on
   * reconnect; with `onStop`, that payload is published (retained) on a clean stop.
   */
  publishRetained(topic: string, payload: string, options: { onStop?: string } = {}): void {
    if (options.onStop !== undefined) this.#onStop.set(topic, options.onStop);
    if (this.#retained.get(topic) === payload && !this.connected) return;
    this.#retained.set(topic, payload);
    if (this.connected) void this.#publishQuiet(topic, payload, { qos: 1, retain: true });
  }

  /** Re-publishes every retained state this process owns (e.g. after Home Assistant restarted). */
  republishRetained(): void {
    if (!this.connected) return;
    for (const [topic, payload] of this.#retained) void this.#publishQuiet(topic, payload, { qos: 1, retain: true });
  }

  /** Clears a retained topic (empty payload) and forgets it. */
  clearRetained(topic: string): Promise<void> {
    this.#retained.delete(topic);
    this.#onStop.delete(topic);
    return this.publish(topic, '', { qos: 1, retain: true });
  }

  /** Publishes with a deadline; fails at once with SinkUnavailableError while disconnected. */
  async publish(topic: string, payload: string | Buffer, options: IClientPublishOptions): Promise<void> {
    const client = this.#client;
    if (!client?.connected) throw new SinkUnavailableError(`mqtt not connected (${topic})`);
    await withTimeout(client.publishAsync(topic, payload, options), this.#timeoutMs, `mqtt publish to ${topic}`);
  }

  /** Per-frame detections: QoS 0, not retained, dropped (and counted) while disconnected. */
  publishDetections(camera: string, payload: string): void {
    if (!this.connected) {
      this.stats.detectionsDropped++;
      return;
    }
    void this.#publishQuiet(this.topics.detections(camera), payload, { qos: 0, retain: false });
  }

  /** Publishes the `onStop` payloads, then `stopped` (all retained), and disconnects within `deadlineMs`; idempotent. */
  async stop(deadlineMs = 3000): Promise<void> {
    const client = this.#client;
    if (!client || this.#stopping) return;
    this.#stopping = true;
    const started = Date.now();
    if (client.connected) {
      const farewells = [...this.#onStop].map(([topic, payload]) => this.publish(topic, payload, { qos: 1, retain: true }));
      await Promise.all(farewells).catch((error: Error) => this.options.logger.warn({ err: error.message }, 'could not publish every offline state'));
      await this.publish(this.availableTopic, 'stopped', { qos: 1, retain: true }).catch((error: Error) =>
        this.options.logger.warn({ err: error.message }, 'could not publish stopped state'),
      );
    }
    const left = Math.max(100, deadlineMs - (Date.now() - started));
    await withTimeout(client.endAsync(), left, 'mqtt disconnect').catch(async () => {
      await client.endAsync(true);
    });
    client.removeAllListeners();
    // A CONNACK refusal (wrong password) already on the wire can still arrive after end(); an
    // 'error' without a listener would crash the process.
    client.on('error', () => undefined);
    this.#connectListeners.clear();
    this.#client = undefined;
  }

  #onConnect(client: MqttClient): void {
    this.stats.connects++;
    // Commands are small request/reply messages: Nagle + delayed ACK would add ~40 ms per hop.
    (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
    this.options.logger.info({ url: this.options.config.url, topic: this.availableTopic }, 'mqtt connected');
    void this.#publishQuiet(this.availableTopic, 'online', { qos: 1, retain: true });
    const subscriptions = [...(this.#commands?.subscriptions() ?? []), ...this.#extra.keys()];
    if (subscriptions.length > 0) {
      client.subscribe(subscriptions, { qos: 1 }, (error) => {
        if (error) this.options.logger.warn({ err: error.message }, 'mqtt subscribe failed');
      });
    }
    for (const [topic, payload] of this.#retained) void this.#publishQuiet(topic, payload, { qos: 1, retain: true });
    for (const listener of this.#connectListeners) listener();
  }

  #onMessage(topic: string, payload: Buffer, retained: boolean, properties: Parameters<MqttCommandHandler['handle']>[3]): void {
    const extra = this.#extra.get(topic);
    if (extra) return extra(payload, retained);
    this.#commands?.handle(topic, payload, retained, properties);
  }

  async #publishQuiet(topic: string, payload: string | Buffer, options: IClientPublishOptions): Promise<void> {
    const client = this.#client;
    if (!client?.connected) return;
    try {
      await withTimeout(client.publishAsync(topic, payload, options), this.#timeoutMs, `mqtt publish to ${topic}`);
    } catch (error) {
      this.stats.publishErrors++;
      this.options.logger.warn({ err: (error as Error).message, topic }, 'mqtt publish failed');
    }
  }
}
