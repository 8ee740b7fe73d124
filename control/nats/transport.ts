/**
 * The NATS side of the control plane (`@nats-io/transport-node` v3): dial until connected (a
 * loop that stop() ends), then reconnect forever (`maxReconnectAttempts: -1`), request/reply control on
 * `lookout.<site>.control.>` handed to the command table, events and per-frame detections on
 * core subjects. Core NATS drops what is published while disconnected, so `publish()` refuses
 * (SinkUnavailableError) instead, and the outbox keeps the item until the connection is back.
 * One subscription for control (no overlap), and a request seen again within the dedupe window
 * (same reply inbox and id) is dropped without a reply and counted, so each request runs once.
 */
import { connect, type ConnectionOptions, type Msg, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../../common/log.ts';
import type { NatsConfig } from '../../common/config/schema-outputs.ts';
import { secrets } from '../../common/redact.ts';
import type { CommandTable } from '../commands/command-table.ts';
import { SinkUnavailableError, withTimeout } from '../commands/deadline.ts';
import { errorReply, requestIdOf, type ReplyEnvelope } from '../commands/envelope.ts';
import { isCommandName } from '../mqtt/topics.ts';
import { settledWithin } from '../../common/lifecycle/deadline.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import { natsConnectOptions } from './connect-options.ts';
import { NatsSubjects } from './subjects.ts';
import { RecentRequestIds, requestKey } from '../commands/recent-request-ids.ts';

export interface NatsTransportOptions {
  config: NatsConfig;
  site: string;
  name: string;
  logger: Logger;
  table?: CommandTable;
  maxPayloadBytes?: number;
  reconnectTimeWaitMs?: number;
}

export class NatsTransport {
  readonly subjects: NatsSubjects;
  readonly stats = { reconnects: 0, requests: 0, errorReplies: 0, ignored: 0, detectionsDropped: 0, duplicates: 0 };
  readonly #recent = new RecentRequestIds();
  #nc: NatsConnection | undefined;
  #connecting: Promise<NatsConnection | undefined> | undefined;
  #connected = false;
  #stopping = false;
  readonly #connectListeners = new Set<(nc: NatsConnection) => void>();
  #statusLoop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(readonly options: NatsTransportOptions) {
    this.subjects = new NatsSubjects(options.site);
    secrets.add(options.config.token);
    secrets.add(options.config.password);
  }

  get connected(): boolean {
    return this.#connected;
  }

  get connection(): NatsConnection | undefined {
    return this.#nc;
  }

  /** Listener called on the first connect and every reconnect. */
  onConnect(listener: (nc: NatsConnection) => void): () => void {
    this.#connectListeners.add(listener);
    return () => this.#connectListeners.delete(listener);
  }

  /** Starts connecting (forever, in the background); resolves when connected or after `waitMs`. */
  async start(waitMs = 5000): Promise<void> {
    if (this.#connecting) return;
    const { config, logger } = this.options;
    // Throws NatsConfigFileError (naming the field) for an unreadable or wrong creds/nkey/TLS file.
    const connectOptions = natsConnectOptions({
      config,
      name: this.options.name,
      ...(this.options.reconnectTimeWaitMs !== undefined ? { reconnectTimeWaitMs: this.options.reconnectTimeWaitMs } : {}),
    });
    if (config.creds_file && config.nkey_file) logger.warn('nats.creds_file and nats.nkey_file are both set: using nats.creds_file');
    this.#connecting = this.#dial(connectOptions).then((nc) => {
      if (!nc) return undefined;
      if (this.#stopping) {
        void nc.close();
        return undefined;
      }
      this.#nc = nc;
      this.#connected = true;
      this.#statusLoop = this.#watch(nc);
      this.#subscribe(nc);
      logger.info({ servers: config.servers, site: this.options.site }, 'nats connected');
      for (const listener of this.#connectListeners) listener(nc);
      return nc;
    });
    await settledWithin(this.#connecting, waitMs);
    // Make sure the server has our control subscription before callers send requests.
    if (this.#nc && this.#connected) await withTimeout(this.#nc.flush(), config.request_timeout, 'nats flush after subscribe').catch(() => undefined);
    if (!this.#connected) logger.warn({ servers: config.servers }, `nats not connected after ${waitMs} ms; retrying in the background`);
  }

  /** Core publish plus a flush, both bounded by `request_timeout`; refuses while disconnected. */
  async publish(subject: string, payload: string): Promise<void> {
    const nc = this.#nc;
    if (!nc || !this.#connected) throw new SinkUnavailableError(`nats not connected (${subject})`);
    nc.publish(subject, payload);
    await withTimeout(nc.flush(), this.options.config.request_timeout, `nats flush after ${subject}`);
  }

  /** Per-frame detections: fire and forget, dropped (counted) while disconnected. */
  publishDetections(camera: string, payload: string): void {
    if (!this.#nc || !this.#connected) {
      this.stats.detectionsDropped++;
      return;
    }
    this.#nc.publish(this.subjects.detections(camera), payload);
  }

  /** Best-effort state notification (`lookout.<site>.<camera>.<kind>.state`). */
  publishState(camera: string, kind: 'stream' | 'detect', on: boolean): void {
    if (this.#nc && this.#connected) this.#nc.publish(this.subjects.state(camera, kind), on ? 'ON' : 'OFF');
  }

  /** Drains (bounded by `deadlineMs`) then closes; idempotent. */
  async stop(deadlineMs = 3000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const nc = this.#nc;
    if (!nc) {
      // Still dialing: end the wait between attempts; an attempt in flight is closed when it resolves.
      this.#wake?.();
      if (this.#connecting) await withTimeout(this.#connecting, deadlineMs, 'nats dial').catch(() => undefined);
      return;
    }
    await withTimeout(nc.drain(), deadlineMs, 'nats drain').catch(() => nc.close());
    await this.#statusLoop;
    this.#connectListeners.clear();
    this.#connected = false;
  }

  /**
   * First connect: one bounded attempt at a time, `reconnectTimeWait` apart, until connected or
   * stopped (the client's own `waitOnFirstConnect` loop cannot be cancelled, so a wrong certificate
   * would keep it dialing after stop). Later reconnects are the client's (`maxReconnectAttempts: -1`).
   * The first failure is logged as an error, later ones every 30 attempts.
   */
  async #dial(options: ConnectionOptions): Promise<NatsConnection | undefined> {
    const { logger, config } = this.options;
    for (let attempt = 1; !this.#stopping; attempt++) {
      try {
        return await connect({ ...options, waitOnFirstConnect: false });
      } catch (error) {
        if (this.#stopping) return undefined;
        if (attempt === 1 || attempt % 30 === 0) logger.error({ err: (error as Error).message, servers: config.servers, attempt }, 'nats connect failed; retrying');
        const wake = new AbortController();
        this.#wake = () => wake.abort();
        await sleep(options.reconnectTimeWait ?? 1000, wake.signal);
        this.#wake = undefined;
      }
    }
    return undefined;
  }

  async #watch(nc: NatsConnection): Promise<void> {
    const { logger } = this.options;
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.#connected = false;
        if (!this.#stopping) logger.warn('nats disconnected; reconnecting');
      } else if (status.type === 'reconnect') {
        this.#connected = true;
        this.stats.reconnects++;
        logger.info('nats reconnected');
        for (const listener of this.#connectListeners) listener(nc);
      }
    }
  }

  #subscribe(nc: NatsConnection): void {
    const table = this.options.table;
    if (!table) return;
    nc.subscribe(this.subjects.controlWildcard(), {
      callback: (error, msg) => {
        if (error) {
          this.options.logger.warn({ err: error.message }, 'nats control subscription error');
          return;
        }
        void this.#handle(table, msg);
      },
    });
  }

  async #handle(table: CommandTable, msg: Msg): Promise<void> {
    const max = this.options.maxPayloadBytes ?? 65_536;
    const respond = (envelope: ReplyEnvelope) => {
      if (envelope.status === 'error') this.stats.errorReplies++;
      if (msg.reply) msg.respond(JSON.stringify(envelope));
    };
    const target = this.subjects.parseControl(msg.subject);
    if (!target) {
      this.stats.ignored++;
      return respond(errorReply('bad_request', `subject ${msg.subject}: expected lookout.${this.options.site}.control.<camera>.<command>`));
    }
    if (isCommandName(target.command) && !table.handles(target.command)) return; // another process answers it
    this.stats.requests++;
    if (msg.data.length > max) return respond(errorReply('payload_too_large', `request of ${msg.data.length} bytes exceeds ${max} bytes`));
    let body: unknown = {};
    if (msg.data.length > 0) {
      try {
        body = JSON.parse(msg.string());
      } catch (error) {
        return respond(errorReply('bad_json', `request is not valid JSON: ${(error as Error).message}`));
      }
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      return respond(errorReply('bad_request', 'request: must be empty or a JSON object such as {"id":"r1"}', requestIdOf(body)));
    }
    const key = requestKey(msg.subject, requestIdOf(body), msg.reply || undefined);
    if (key !== undefined && !this.#recent.admit(key)) {
      this.stats.duplicates++;
      table.metrics?.duplicate('nats');
      this.options.logger.debug({ subject: msg.subject }, 'dropping a repeated nats request (same reply inbox and id within the dedupe window)');
      return;
    }
    respond(await table.execute({ ...(body as Record<string, unknown>), command: target.command, camera: target.camera }, 'nats'));
  }
}
