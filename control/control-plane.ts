/**
 * The control plane of one process: config → durable outbox → sinks (MQTT events, NATS or
 * JetStream events, or the embedded JSONL file when no broker is configured) and command transports
 * (MQTT, NATS, HTTP) → one command table over the controls this process has. The parts are built
 * from config in plane-parts.ts; this file owns their lifecycle and the plane's API. It implements
 * the detector's `DetectionSink` (`frame`, `event`, `counts`), and `publishStreamState` for the gateway.
 *
 * Roles let the gateway and the detector run as separate processes on one broker without fighting
 * over retained topics: the gateway (stream control) owns `<prefix>/available`, stream states, camera
 * availability and the stream/restart HA entities; the detector (detect control + events) owns
 * `<prefix>/detector/available`, detect states, counts and the detection HA entities. A single
 * process with both controls runs as `combined`.
 *
 * Stream states have one source: with `streamStates` (the gateway's pipeline manager) every
 * published `stream/state` follows the manager's state events (real lifetimes, commands included),
 * and the command table's state hook publishes only detect states — so a pause over any transport
 * gives exactly one publication. Without it (a fake stream control in tests), the hook publishes.
 *
 * Lifecycle (common/lifecycle/service-state.ts, the one memo): inert constructor, `start()` once,
 * `stop()` memoized (a second concurrent caller gets the same promise, settled after the real drain
 * with whether the outbox drained), `closed`, `Symbol.asyncDispose`, start after stop refused with
 * ServiceStoppedError.
 */
import type { FastifyInstance } from 'fastify';
import { register as defaultRegistry, type Registry } from 'prom-client';
import type { LookoutConfig } from '../common/config/schema.ts';
import { ServiceState } from '../common/lifecycle/service-state.ts';
import type { Logger } from '../common/log.ts';
import { CommandTable, type StateChange } from './commands/command-table.ts';
import { commandMetrics } from './commands/metrics.ts';
import type { DetectControl, StreamControl } from './commands/controls.ts';
import { commandRoutes } from './commands/http-commands.ts';
import { eventRoutes } from './events/events-http.ts';
import { FrigateEventFormatter, type FrigateEvent, type TrackEventLike } from './events/frigate-events.ts';
import { RecentEvents } from './events/recent-events.ts';
import { forwardStreamStates, type StreamStateSource } from './events/stream-state.ts';
import type { HaDiscovery } from './mqtt/ha-discovery.ts';
import type { MqttTransport } from './mqtt/transport.ts';
import type { ControlRole } from './mqtt/topics.ts';
import { RetainedStates, type StreamStateUpdate } from './mqtt/retained-states.ts';
import type { JetStreamSink } from './nats/jetstream-sink.ts';
import type { NatsTransport } from './nats/transport.ts';
import type { Outbox } from './outbox/outbox.ts';
import { registerOutboxMetrics } from './outbox/metrics.ts';
import { addEventSinks, buildPlaneParts, type PlaneParts } from './plane-parts.ts';

export interface ControlPlaneOptions {
  config: LookoutConfig;
  logger: Logger;
  stream?: StreamControl;
  /** The one source of stream states (the pipeline manager's `state` events and `status(id)`). */
  streamStates?: StreamStateSource;
  detect?: DetectControl;
  /** Defaults from the controls given: both → combined, stream only → gateway, detect only → detector. */
  role?: ControlRole;
  registry?: Registry;
  swVersion?: string;
  /** How long start() waits for each broker before continuing (they keep reconnecting). */
  connectWaitMs?: number;
  /** MQTT reconnect period / NATS reconnect wait (tests shorten it). */
  reconnectMs?: number;
}

export type { StreamStateUpdate } from './mqtt/retained-states.ts';

/** A per-frame detection result; only `camera` is read here, the rest is passed through. */
export interface FrameResultLike {
  camera: string;
}

export class ControlPlane {
  readonly role: ControlRole;
  readonly table: CommandTable;
  readonly outbox: Outbox;
  readonly recent: RecentEvents<FrigateEvent>;
  readonly mqtt: MqttTransport | undefined;
  readonly nats: NatsTransport | undefined;
  readonly jetstream: JetStreamSink | undefined;
  readonly discovery: HaDiscovery | undefined;
  readonly #formatter = new FrigateEventFormatter();
  readonly #states: RetainedStates;
  readonly #parts: PlaneParts;
  readonly #state = new ServiceState<{ drained: boolean }>('control plane');
  readonly #unforward: (() => void) | undefined;
  #accepting = false;
  #opened = false;

  constructor(readonly options: ControlPlaneOptions) {
    const { config, logger } = options;
    this.role = options.role ?? (options.stream && options.detect ? 'combined' : options.stream ? 'gateway' : 'detector');
    const cameras = config.cameras.map((camera) => camera.id);
    this.table = new CommandTable({
      cameras,
      ...(options.stream ? { stream: options.stream } : {}),
      ...(options.detect ? { detect: options.detect } : {}),
      onState: (change) => this.#onState(change),
      metrics: commandMetrics(options.registry ?? defaultRegistry),
    });
    this.recent = new RecentEvents(config.outbox.recent_events);
    this.#parts = buildPlaneParts({ config, role: this.role, table: this.table, logger, swVersion: options.swVersion, reconnectMs: options.reconnectMs });
    this.outbox = this.#parts.outbox;
    this.mqtt = this.#parts.mqtt;
    this.discovery = this.#parts.discovery;
    this.nats = this.#parts.nats;
    this.jetstream = this.#parts.jetstream;
    this.#states = new RetainedStates({
      cameras: config.cameras,
      mqtt: this.mqtt,
      nats: this.nats,
      stream: options.stream !== undefined,
      detect: options.detect !== undefined,
      streamStates: options.streamStates,
    });
    // Subscribed now, so no state before start() is missed: MQTT caches retained states until it
    // connects (NATS state notifications are best-effort and only sent while connected).
    if (options.streamStates) this.#unforward = forwardStreamStates(options.streamStates, (camera, update) => this.publishStreamState(camera, update));
  }

  /** Resolves once stop() has finished. */
  get closed(): Promise<void> {
    return this.#state.closed;
  }

  /** Opens the outbox, adds sinks, connects the brokers (never blocks longer than `connectWaitMs` each). */
  async start(): Promise<void> {
    this.#state.beginStart();
    const { config, logger } = this.options;
    this.outbox.open();
    this.#opened = true;
    const registry = this.options.registry ?? defaultRegistry;
    const sinks = addEventSinks(this.#parts, config, registry, logger);
    if (this.mqtt) {
      this.discovery?.attach();
      this.#states.initial();
    }
    registerOutboxMetrics(registry, this.role, this.outbox, sinks);
    this.#accepting = true;
    const wait = this.options.connectWaitMs ?? 5000;
    await Promise.all([this.mqtt?.start(wait), this.nats?.start(wait)]);
    this.#state.started();
  }

  /**
   * Two-phase stop: refuse new events, flush the outbox within the deadline (what is not delivered
   * stays on disk for the next start), then say `stopped` and disconnect. Only the first call's
   * deadline counts; later callers share its promise.
   */
  stop(deadlineMs = 10_000): Promise<{ drained: boolean }> {
    return this.#state.stop(() => this.#drain(deadlineMs));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #drain(deadlineMs: number): Promise<{ drained: boolean }> {
    this.#unforward?.();
    this.#accepting = false;
    if (!this.#opened) return { drained: true };
    const started = Date.now();
    const drained = await this.outbox.flush(Math.max(0, deadlineMs * 0.6));
    await this.outbox.close(Math.max(100, deadlineMs * 0.2));
    if (!drained) this.options.logger.warn({ backlog: this.outbox.backlog }, 'stopping with undelivered events; they stay on disk for the next start');
    const left = Math.max(200, deadlineMs - (Date.now() - started));
    await Promise.all([this.mqtt?.stop(left), this.nats?.stop(left), this.#parts.jsonl?.close()]);
    await this.table.idle();
    return { drained };
  }

  /** Fastify plugin with `POST /api/v1/commands` and `GET /api/v1/events` (unless the server already lists events from its store: the detector's). */
  readonly httpRoutes = async (app: FastifyInstance): Promise<void> => {
    await app.register(commandRoutes, { table: this.table });
    if (!app.hasRoute({ method: 'GET', url: '/api/v1/events' })) await app.register(eventRoutes, { recent: this.recent as RecentEvents<unknown> });
  };

  /** For the gateway: the stream of `camera` changed (retained `stream/state` and camera availability). */
  publishStreamState(camera: string, state: StreamStateUpdate | 'ON' | 'OFF'): void {
    this.#states.stream(camera, typeof state === 'string' ? { on: state === 'ON' } : state);
  }

  /** For the detector: detection of `camera` was turned on/off outside the command table. */
  publishDetectState(camera: string, on: boolean): void {
    this.#states.detect(camera, on);
  }

  // --- DetectionSink (detector/publisher.ts) ---

  /** Per-frame detections: optional, QoS 0 / core NATS, never queued. */
  frame(result: FrameResultLike): void {
    if (!this.#accepting) return;
    const payload = JSON.stringify(result);
    if (this.mqtt && this.options.config.mqtt?.publish_detections) this.mqtt.publishDetections(result.camera, payload);
    this.nats?.publishDetections(result.camera, payload);
  }

  /** Track events: must-deliver, through the outbox; returns at once. */
  event(event: TrackEventLike): void {
    if (!this.#accepting) return;
    const { outboxId, message } = this.#formatter.format(event);
    this.recent.push(message);
    this.outbox.enqueue('event', outboxId, message);
  }

  /** Object counts per label: retained `<prefix>/<camera>/<label>`, only on change; vanished labels go to 0. */
  counts(camera: string, counts: Record<string, number>): void {
    if (this.#accepting) this.#states.counts(camera, counts);
  }

  #onState(change: StateChange): void {
    if (change.kind === 'detect') this.publishDetectState(change.camera, change.on);
    else if (!this.options.streamStates) this.publishStreamState(change.camera, { on: change.on });
  }
}
