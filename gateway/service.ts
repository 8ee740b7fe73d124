import { Registry } from 'prom-client';
/**
 * The gateway as one object: config → ffmpeg probe → (mediamtx sidecar) → pipeline manager →
 * metrics, heartbeat, HTTP API → start. `lookout gateway` runs it alone; `lookout up` and the
 * control plane embed it and reach the same operations through `operations` / `manager`.
 *
 * Stop is two-phase and bounded: intake stops first (readyz 503, the manager refuses new work),
 * then every pipeline is stopped concurrently within `shutdown_timeout`; whatever is left after
 * that is SIGKILLed (`kill()`), then the HTTP server and the sidecar close.
 */
import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import { silentLogger } from '../common/log.ts';
import type { FastifyInstance } from 'fastify';
import { ffmpegInfo, resolveFfmpegPath, type FfmpegInfo } from './ffmpeg-info.ts';
import { Heartbeat } from './heartbeat.ts';
import { buildHttpServer, type CameraOperations, type RouteInput, type RoutePlugin } from './http-api.ts';
import { createLauncher, type PublishCredentialSource } from './launcher.ts';
import { createGatewayMetrics, type GatewayMetrics, type GatewaySnapshot } from './metrics.ts';
import { PipelineManager } from './pipeline-manager.ts';

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

export interface GatewayServiceOptions {
  logger?: Logger;
  mediamtx?: MediamtxIntegration;
  /** Extra HTTP route plugins (control plane commands, ...). */
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
  #manager: PipelineManager | undefined;
  #http: FastifyInstance | undefined;
  #metrics: GatewayMetrics | undefined;
  #heartbeat: Heartbeat | undefined;
  #ready = false;
  #stopping: Promise<void> | undefined;

  constructor(
    readonly config: LookoutConfig,
    private readonly options: GatewayServiceOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger();
  }

  get manager(): PipelineManager {
    if (!this.#manager) throw new Error('gateway service is not started');
    return this.#manager;
  }

  get http(): FastifyInstance {
    if (!this.#http) throw new Error('gateway service is not started');
    return this.#http;
  }

  get metrics(): GatewayMetrics {
    if (!this.#metrics) throw new Error('gateway service is not started');
    return this.#metrics;
  }

  /** True between a completed start and the beginning of stop. */
  get ready(): boolean {
    return this.#ready;
  }

  /** The bound HTTP port (useful with `http.port: 0`). */
  get port(): number {
    const address = this.#http?.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** The operations every transport calls (HTTP here, MQTT/NATS through the command table). */
  readonly operations: CameraOperations = {
    list: () => this.manager.status(),
    get: (id) => this.manager.status(id),
    pause: (id) => this.manager.pause(id),
    resume: (id) => this.manager.resume(id),
    restart: (id) => this.manager.restart(id),
  };

  snapshot(): GatewaySnapshot {
    const manager = this.#manager;
    if (!manager) return { slots: { inUse: 0, limit: this.config.pipelines.limit }, cameras: [], children: 0 };
    const slots = manager.slots();
    return {
      slots: { inUse: slots.inUse, limit: slots.limit },
      cameras: manager.status().map((camera) => ({ id: camera.id, state: camera.state })),
      children: manager.liveChildren().length,
    };
  }

  async start(): Promise<void> {
    const { config, options, logger } = this;
    const ffmpeg = options.ffmpeg ?? (await ffmpegInfo(resolveFfmpegPath(config.ffmpeg.path, options.env ?? process.env)));
    logger.info({ ffmpeg: { path: ffmpeg.path, version: ffmpeg.version } }, 'ffmpeg found');
    await options.mediamtx?.start?.();
    const cameras = config.cameras.filter((camera) => camera.enabled);
    const manager = new PipelineManager({
      cameras: cameras.map((camera) => ({
        id: camera.id,
        mode: camera.mode,
        stallTimeoutMs: camera.timeouts.stall,
        startTimeoutMs: camera.timeouts.start,
      })),
      limit: config.pipelines.limit,
      launch: createLauncher({
        cameras,
        ffmpeg,
        publishUrlBase: publishUrlBase(config, options.mediamtx),
        publishTransport: config.pipelines.publish_transport,
        loglevel: config.ffmpeg.loglevel,
        credentials: options.mediamtx?.credentials,
      }),
      stopGraceMs: config.pipelines.stop_grace,
      backoff: { initialMs: config.pipelines.backoff_initial, maxMs: config.pipelines.backoff_max, resetAfterMs: config.pipelines.backoff_reset_after },
      stateDir: config.state_dir,
      logger,
    });
    this.#manager = manager;
    const metrics = createGatewayMetrics(() => this.snapshot(), { startedAt: this.startedAt });
    const heartbeat = new Heartbeat({ intervalMs: config.pipelines.heartbeat_interval, logger, snapshot: () => this.snapshot() });
    this.#metrics = metrics;
    this.#heartbeat = heartbeat;
    manager.on('restart', ({ id, reason }) => {
      metrics.countRestart(id, reason);
      heartbeat.noteRestart(reason);
    });
    manager.on('stall', ({ id }) => metrics.countStall(id));
    this.#http = await buildHttpServer({
      operations: this.operations,
      ready: () => this.#ready,
      metrics: options.mediamtx?.registry ? Registry.merge([metrics.registry, options.mediamtx.registry]) : metrics.registry,
      http: config.http,
      logger,
      routes: [...(options.mediamtx?.routes ?? []), ...(options.routes ?? [])],
    });
    await this.#http.listen({ host: config.http.host, port: config.http.port });
    await manager.start();
    heartbeat.start();
    this.#ready = true;
    logger.info({ http: { host: config.http.host, port: this.port }, cameras: cameras.length, limit: config.pipelines.limit }, 'gateway started');
  }

  /** Bounded, idempotent stop; resolves when every child's exit was observed (or they were killed). */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const started = Date.now();
    this.#ready = false;
    this.#heartbeat?.stop();
    const deadline = this.config.shutdown_timeout;
    if (this.#manager) {
      // Leave a little of the budget for closing HTTP and the sidecar.
      await this.#manager.shutdown(Math.max(100, deadline - 500));
    }
    await this.#http?.close();
    await this.options.mediamtx?.stop?.();
    this.logger.info({ ms: Date.now() - started }, 'gateway stopped');
  }

  /** Second-signal path: SIGKILL every child group now, no waiting. */
  kill(): void {
    this.#manager?.killAll();
  }
}
