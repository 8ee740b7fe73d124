/**
 * JetStream publishing of events: each item is published with `msgID` (header `Nats-Msg-Id`) = its
 * stable outbox id, so replays after an outage are de-duplicated by the server inside the stream's
 * duplicate window. The stream is created if missing with the configured retention (max_age,
 * max_bytes); a failed create is retried on the next send.
 */
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from '../../common/log.ts';
import type { NatsConfig } from '../../common/config/schema-outputs.ts';
import { SinkUnavailableError, withTimeout } from '../commands/deadline.ts';
import type { NatsTransport } from './transport.ts';

/** De-duplication window; replays of an outage up to this long never duplicate in the stream. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;

export class JetStreamSink {
  #js: JetStreamClient | undefined;
  #ready = false;

  constructor(
    readonly transport: NatsTransport,
    readonly config: NatsConfig['jetstream'],
    readonly publishTimeoutMs: number,
    readonly logger: Logger,
  ) {
    transport.onConnect(() => {
      this.#ready = false;
    });
  }

  /** Creates the stream if missing (or updates its limits); idempotent. */
  async ensureStream(): Promise<void> {
    const nc = this.transport.connection;
    if (!nc || !this.transport.connected) throw new SinkUnavailableError('nats not connected');
    const jsm = await jetstreamManager(nc, { timeout: this.publishTimeoutMs });
    const subject = this.transport.subjects.events();
    const limits = {
      max_age: nanos(this.config.max_age),
      max_bytes: this.config.max_bytes,
      duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, this.config.max_age)),
    };
    try {
      const info = await jsm.streams.info(this.config.stream);
      if (!info.config.subjects?.includes(subject)) {
        await jsm.streams.update(this.config.stream, { subjects: [...(info.config.subjects ?? []), subject], ...limits });
      }
    } catch (error) {
      if ((error as Error).name !== 'StreamNotFoundError' && !/not found/i.test((error as Error).message)) throw error;
      await jsm.streams.add({ name: this.config.stream, subjects: [subject], ...limits });
      this.logger.info({ stream: this.config.stream, subject }, 'created JetStream stream');
    }
    this.#js = jetstream(nc, { timeout: this.publishTimeoutMs });
    this.#ready = true;
  }

  /** Publishes one event and waits for the stream's ack (bounded by the publish timeout). */
  async send(id: string, payload: string): Promise<{ duplicate: boolean }> {
    if (!this.transport.connected) throw new SinkUnavailableError('nats not connected');
    if (!this.#ready || !this.#js) await withTimeout(this.ensureStream(), this.publishTimeoutMs * 2, 'JetStream stream setup');
    const js = this.#js as JetStreamClient;
    const ack = await withTimeout(
      js.publish(this.transport.subjects.events(), payload, { msgID: id, timeout: this.publishTimeoutMs, retries: 0 }),
      this.publishTimeoutMs + 500,
      'JetStream publish',
    );
    return { duplicate: ack.duplicate };
  }
}
