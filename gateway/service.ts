import { Registry } from 'prom-client';
/**
 * The gateway as one object: config → pipeline manager, metrics, heartbeat (all built in the
 * constructor, inert) → start: ffmpeg probe → (mediamtx sidecar) → HTTP API bound → pipelines.
 * `lookout gateway` and `lookout up` build it through appliance/gateway-process.ts, which hands the
 * control plane the manager right after construction: no holder, no late binding.
 *
 * Lifecycle (common/lifecycle/service-state.ts): `start()` once, `stop()` memoized (every caller
 * gets the same promise, settled after the real drain), `closed`, start after stop refused with
 * ServiceStoppedError. Stop is two-phase and bounded: intake stops first (readyz 503, the manager
 * refuses new work), then every pipeline is stopped concurrently within `shutdown_timeout`; whatever
 * is left after that is SIGKILLed (`kill()`), then the HTTP server and the sidecar close.
 */
import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import { silentLogger } from '../common/log.ts';
import type { FastifyInstance } from 'fastify';
import { ServiceState } from '../common/lifecycle/service-state.ts';
import { ffmpegInfo, resolveFfmpegPath, type FfmpegInfo } from './ffmpeg/ffmpeg-info.ts';
import { Heartbeat } from './heartbeat.ts';
import { buildHttpServer, type CameraOperations, type CommandExecutor, type RouteInput, type RoutePlugin } from './http-api.ts';
import { createLauncher, type PublishCredentialSource } from './pipeline/launcher.ts';
import { managerCommands } from './pipeline/manager-commands.ts';
import { createGatewayMetrics, type GatewayMetrics, type GatewaySnapshot } from './metrics.ts';
import type { Launcher } from './pipeline/pipeline-attempt.ts';
import { PipelineManager } from './pipeline/pipeline-manager.ts';

/**
 * Hook points for the mediamtx sidecar part: started before the pipelines (they publish into it),
 * stopped after them; it supplies the publish URL, per-pipeline credentials and its HTTP routes.
 */
export interface MediamtxIntegration {
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** rtsp://host:port of the sidecar's RTSP listener. */
  publishUrlBase?: string;
  credentials?: PublishCredentialSource;
  routes?: RoutePlugin[];
  /** The sidecar's own metrics (auth decisions, restarts, demand leases), merged into /metrics. */
  registry?: Registry;
}

/** What the process wiring adds once the manager exists (called once, in the constructor). */
export interface GatewayControl {
  /** The command table every camera action goes through (HTTP routes included). */
  commands: CommandExecutor;
  /** Route plugins that need the manager or the table (web page, /api/v1/commands, …). */
  routes?: RouteInput[];
}

export interface GatewayServiceOptions {
  logger?: Logger;
  /** The sidecar part, or a factory given the manager (the on-demand hook leases from it). */
  mediamtx?: MediamtxIntegration | ((manager: PipelineManager) => MediamtxIntegration);
  /**
   * The control plane's part, given the manager. Without it the camera action routes use the
   * manager's own command queue directly (managerCommands: same queue, same error codes, but no
   * MQTT/NATS state publication) — for tests and benchmarks that run the gateway alone.
   */
  control?: (manager: PipelineManager) => GatewayControl;
  /** Extra HTTP route plugins. */
  routes?: RouteInput[];
  /** Skip probing (tests that already know the binary). */
  ffmpeg?: FfmpegInfo;
  env?: NodeJS.ProcessEnv;
}

/** Where pipelines publish: the sidecar, else `pipelines.publish_url`, else mediamtx host:rtsp_port. */
export function publishUrlBase(config: LookoutConfig, mediamtx?: MediamtxIntegration): string {
  return mediamtx?.publishUrlBase ?? config.pipelines.publish_url ?? `rtsp://${config.mediamtx.host}:${config.mediamtx.rtsp_port}`;
}

export class GatewayService {
  readonly logger: Logger;
  readonly startedAt = Date.now();
  /** Built in the constructor, inert until start(). */
  readonly manager: PipelineManager;
  readonly metrics: GatewayMetrics;
  readonly #heartbeat: Heartbeat;
  readonly #mediamtx: MediamtxIntegration | undefined;
  readonly #control: GatewayControl;
  readonly #state = new ServiceState('gateway service');
  #launcher: Launcher | undefined;
  #http: FastifyInstance | undefined;
  #ready = false;

  constructor(
    readonly config: LookoutConfig,
    private readonly options: GatewayServiceOptions = {},
  ) {
    const logger = options.logger ?? silentLogger();
    this.logger = logger;
    const cameras = config.cameras.filter((camera) => camera.enabled);
    this.manager = new PipelineManager({
      cameras: cameras.map((camera) => ({
        id: camera.id,
        mode: camera.mode,
        stallTimeoutMs: camera.timeouts.stall,
        startTimeoutMs: camera.timeouts.start,
      })),
      limit: config.pipelines.limit,
      // The launcher needs the probed ffmpeg (start()); nothing launches before start().
      launch: (id) => {
        if (!this.#launcher) throw new Error('gateway service is not started (ffmpeg not probed yet)');
        return this.#launcher(id);
      },
      stopGraceMs: config.pipelines.stop_grace,
      backoff: { initialMs: config.pipelines.backoff_initial, maxMs: config.pipelines.backoff_max, resetAfterMs: config.pipelines.backoff_reset_after },
      stateDir: config.state_dir,
      logger,
    });
    this.#mediamtx = typeof options.mediamtx === 'function' ? options.mediamtx(this.manager) : options.mediamtx;
    this.#control = options.control?.(this.manager) ?? { commands: managerCommands(this.manager) };
    const metrics = createGatewayMetrics(() => this.snapshot(), { startedAt: this.startedAt });
    const heartbeat = new Heartbeat({ intervalMs: config.pipelines.heartbeat_interval, logger, snapshot: () => this.snapshot() });
    this.metrics = metrics;
    this.#heartbeat = heartbeat;
    this.manager.on('restart', ({ id, reason }) => {
      metrics.countRestart(id, reason);
      heartbeat.noteRestart(reason);
    });
    this.manager.on('stall', ({ id }) => metrics.countStall(id));
  }

  get http(): FastifyInstance {
    if (!this.#http) throw new Error('gateway service is not started');
    return this.#http;
  }

  /** True between a completed start and the beginning of stop. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Resolves once stop() has finished draining. */
  get closed(): Promise<void> {
    return this.#state.closed;
  }

  /** The bound HTTP port (useful with `http.port: 0`). */
  get port(): number {
    const address = this.#http?.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** The reads the HTTP API serves (camera actions go through the command executor). */
  readonly operations: CameraOperations = {
    list: () => this.manager.status(),
    get: (id) => this.manager.status(id),
  };

  snapshot(): GatewaySnapshot {
    const slots = this.manager.slots();
    return {
      slots: { inUse: slots.inUse, limit: slots.limit },
      cameras: this.manager.status().map((camera) => ({ id: camera.id, state: camera.state })),
      children: this.manager.liveChildren().length,
    };
  }

  /**
   * Probe ffmpeg, start the sidecar, bind HTTP, then start the pipelines. Refused after stop()
   * (ServiceStoppedError); a stop during start wins (the rest of start is skipped).
   */
  async start(): Promise<void> {
    const signal = this.#state.beginStart();
    const { config, options, logger } = this;
    const mediamtx = this.#mediamtx;
    const ffmpeg = options.ffmpeg ?? (await ffmpegInfo(resolveFfmpegPath(config.ffmpeg.path, options.env ?? process.env)));
    logger.info({ ffmpeg: { path: ffmpeg.path, version: ffmpeg.version } }, 'ffmpeg found');
    const cameras = config.cameras.filter((camera) => camera.enabled);
    this.#launcher = createLauncher({
      cameras,
      ffmpeg,
      publishUrlBase: publishUrlBase(config, mediamtx),
      publishTransport: config.pipelines.publish_transport,
      loglevel: config.ffmpeg.loglevel,
      credentials: mediamtx?.credentials,
    });
    signal.throwIfAborted();
    await mediamtx?.start?.();
    signal.throwIfAborted();
    this.#http = await buildHttpServer({
      operations: this.operations,
      commands: this.#control.commands,
      ready: () => this.#ready,
      metrics: mediamtx?.registry ? Registry.merge([this.metrics.registry, mediamtx.registry]) : this.metrics.registry,
      http: config.http,
      logger,
      routes: [...(mediamtx?.routes ?? []), ...(this.#control.routes ?? []), ...(options.routes ?? [])],
    });
    await this.#http.listen({ host: config.http.host, port: config.http.port });
    signal.throwIfAborted();
    await this.manager.start();
    this.#heartbeat.start();
    this.#state.started();
    this.#ready = true;
    logger.info({ http: { host: config.http.host, port: this.port }, cameras: cameras.length, limit: config.pipelines.limit }, 'gateway started');
  }

  /** Bounded, memoized stop; resolves when every child's exit was observed (or they were killed). */
  stop(): Promise<void> {
    return this.#state.stop(() => this.#drain());
  }

  async #drain(): Promise<void> {
    const started = Date.now();
    this.#ready = false;
    this.#heartbeat.stop();
    // Leave a little of the budget for closing HTTP and the sidecar.
    await this.manager.stop(Math.max(100, this.config.shutdown_timeout - 500));
    await this.#http?.close();
    await this.#mediamtx?.stop?.();
    this.logger.info({ ms: Date.now() - started }, 'gateway stopped');
  }

  /** Second-signal path: SIGKILL every child group now, no waiting. */
  kill(): void {
    this.manager.killAll();
  }
}
