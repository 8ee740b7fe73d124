/**
 * Event snapshots on MQTT, Frigate-compatible: the JPEG bytes, retained, on
 * `<prefix>/<camera>/<label>/snapshot` (Frigate's `frigate/<camera>/<label>/snapshot`) and on
 * `<prefix>/<camera>/all/snapshot` (the camera's latest event snapshot, HA's camera image entity).
 * Published on an event's first snapshot at once and on a better one at most every `intervalMs`
 * per topic (the newest waiting one wins: one pending payload per topic). A JPEG larger than
 * `maxBytes` is not published (counted). Snapshots do not go through the durable outbox: they are
 * retained state, not events — after a reconnect the last one per topic is published again, and a
 * snapshot missed while offline is superseded by the next one anyway. Publishing is asynchronous
 * (mqtt.js writes the buffer to the socket), so the event loop never waits on the broker.
 */
import type { Logger } from '../../common/log.ts';
import type { MqttTransport } from '../mqtt/transport.ts';
import { labelLevel } from '../mqtt/topics.ts';

export interface SnapshotMessage {
  camera: string;
  label: string;
  jpeg: Buffer;
  /** The event's first snapshot (published at once). */
  first: boolean;
}

export interface SnapshotOutputsOptions {
  mqtt: MqttTransport;
  maxBytes: number;
  intervalMs: number;
  logger: Logger;
}

/** Fixed last level of snapshot topics, and the label level of a camera's all-labels topic (Frigate's `all`). */
export const SNAPSHOT_LEVEL = 'snapshot';
export const ALL_LABELS = 'all';

export function snapshotTopic(prefix: string, camera: string, label: string): string {
  return `${prefix}/${camera}/${label === ALL_LABELS ? ALL_LABELS : labelLevel(label)}/${SNAPSHOT_LEVEL}`;
}

export class SnapshotOutputs {
  readonly stats = { published: 0, tooLarge: 0, deferred: 0, failed: 0 };
  /** Last payload per topic (re-published on reconnect); bounded by cameras × labels. */
  readonly #last = new Map<string, Buffer>();
  readonly #lastAt = new Map<string, number>();
  readonly #pending = new Map<string, { jpeg: Buffer; timer: NodeJS.Timeout }>();
  readonly #offConnect: () => void;

  constructor(readonly options: SnapshotOutputsOptions) {
    this.#offConnect = options.mqtt.onConnect(() => {
      for (const [topic, jpeg] of this.#last) this.#send(topic, jpeg);
    });
  }

  publish(message: SnapshotMessage): void {
    if (message.jpeg.byteLength > this.options.maxBytes) {
      this.stats.tooLarge++;
      this.options.logger.warn({ camera: message.camera, label: message.label, bytes: message.jpeg.byteLength, max: this.options.maxBytes }, 'snapshot larger than snapshots.mqtt_max_bytes: not published');
      return;
    }
    const prefix = this.options.mqtt.topics.prefix;
    for (const topic of [snapshotTopic(prefix, message.camera, message.label), snapshotTopic(prefix, message.camera, ALL_LABELS)]) this.#offer(topic, message.jpeg, message.first);
  }

  /** Cancels pending publishes (shutdown). */
  close(): void {
    this.#offConnect();
    for (const pending of this.#pending.values()) clearTimeout(pending.timer);
    this.#pending.clear();
  }

  #offer(topic: string, jpeg: Buffer, first: boolean): void {
    const wait = (this.#lastAt.get(topic) ?? -Infinity) + this.options.intervalMs - Date.now();
    const pending = this.#pending.get(topic);
    if (first || wait <= 0) {
      if (pending) clearTimeout(pending.timer);
      this.#pending.delete(topic);
      this.#send(topic, jpeg);
      return;
    }
    this.stats.deferred++;
    if (pending) {
      pending.jpeg = jpeg;
      return;
    }
    const timer = setTimeout(() => {
      const latest = this.#pending.get(topic);
      this.#pending.delete(topic);
      if (latest) this.#send(topic, latest.jpeg);
    }, wait);
    timer.unref();
    this.#pending.set(topic, { jpeg, timer });
  }

  #send(topic: string, jpeg: Buffer): void {
    this.#last.set(topic, jpeg);
    this.#lastAt.set(topic, Date.now());
    if (!this.options.mqtt.connected) return;
    this.options.mqtt.publish(topic, jpeg, { qos: 0, retain: true }).then(
      () => this.stats.published++,
      (error: unknown) => {
        this.stats.failed++;
        this.options.logger.debug({ topic, err: error instanceof Error ? error.message : String(error) }, 'snapshot publish failed');
      },
    );
  }
}
