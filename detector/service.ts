/**
 * The detector service: config → inference pool → one CameraDetector per detection-enabled camera →
 * HTTP API, metrics and a heartbeat log line. Exposes pause/resume per camera for the control plane.
 * Shutdown is two-phase under one hard deadline: stop intake (decoders stopped, nothing new
 * dispatched), let in-flight inferences finish and reach the sink, then close the pool.
 */
import type { FastifyInstance } from 'fastify';
import { ChildRegistry, DETECTOR_CHILDREN_FILE, killOrphans } from '../common/child/orphan-registry.ts';
import { detectorHttpSettings } from '../common/config/detector-http.ts';
import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import { ServiceState } from '../common/lifecycle/service-state.ts';
import { secrets } from '../common/redact.ts';
import { assembleCamera } from './camera-assembly.ts';
import type { CameraDetector, CameraStatus, TrackerLike } from './camera-detector.ts';
import { startDetectorApi, UnknownCameraError } from './http-api.ts';
import { probeHwaccelEnvironment, type HwaccelEnvironment } from './decode/hwaccel.ts';
import { DetectorMetrics } from './metrics.ts';
import { autoThreads } from './model/cpu-budget.ts';
import { DEMO_MODEL_PATH } from './model/demo-model.ts';
import type { DetectionSink } from './publisher.ts';
import { Scheduler, type InferenceRunner } from './inference/scheduler.ts';
import { Pictures } from './snapshots/pictures.ts';
import { trackSettingsFromCamera } from './track/settings.ts';

// Where a camera's decoder reads from lives in detect-input.ts; re-exported for existing importers.
export { cameraDecoderInput, mediamtxReadUrl } from './detect-input.ts';

/** The bundled demo model (models/README.md), used when `detector.model` is not set. */
export const DEFAULT_MODEL_PATH = DEMO_MODEL_PATH;

/** What the service needs from the pool (InferencePool satisfies it; tests may pass a named fake). */
export interface PoolLike extends InferenceRunner {
  readonly info: { inputWidth: number; inputHeight: number; labels: string[] };
  /** Most frames in flight at once (default: one per worker). */
  readonly capacity?: number;
  close(deadlineMs?: number): Promise<void>;
}

export interface PoolFactoryOptions {
  modelPath: string;
  labelsFile?: string;
  threads: number;
  workers: number;
  timeoutMs: number;
  providers: Array<'cpu' | 'cuda'>;
  logger: Logger;
}

export interface DetectorServiceOptions {
  config: LookoutConfig;
  logger: Logger;
  sink: DetectionSink;
  createPool: (options: PoolFactoryOptions) => Promise<PoolLike>;
  createTracker: () => TrackerLike;
  /** Start the HTTP API (default true). */
  http?: boolean;
  /** Overrides the probed hardware environment (tests). */
  hwaccelEnvironment?: HwaccelEnvironment;
  heartbeatMs?: number;
  /** Extra HTTP routes served by the detector's API (control plane commands and events). */
  routes?: Array<(app: FastifyInstance) => Promise<void>>;
  /** Event store, snapshots and latest frames under `state_dir` (default true). */
  pictures?: boolean;
}

export class DetectorService {
  readonly metrics = new DetectorMetrics();
  readonly #cameras = new Map<string, CameraDetector>();
  #scheduler: Scheduler | undefined;
  #pool: PoolLike | undefined;
  #children: ChildRegistry | undefined;
  #pictures: Pictures | undefined;
  #app: FastifyInstance | undefined;
  #httpPort: number | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #ready = false;
  readonly #state = new ServiceState<{ drained: boolean }>('detector service');

  /** Inert: nothing is opened, spawned or bound until start(). */
  constructor(readonly options: DetectorServiceOptions) {}

  /**
   * Builds and starts everything (the service shape of common/lifecycle/service-state.ts: once;
   * refused after stop). On failure whatever was started is stopped again before the error is
   * thrown, so a failed start leaves nothing running. Resolves with the service for chaining.
   */
  async start(): Promise<this> {
    this.#state.beginStart();
    try {
      await this.#start();
      this.#state.started();
    } catch (error) {
      await this.stop();
      throw error;
    }
    return this;
  }

  /** Resolves once stop()'s drain has finished; never rejects. */
  get closed(): Promise<void> {
    return this.#state.closed;
  }

  get httpPort(): number | undefined {
    return this.#httpPort;
  }

  ready(): boolean {
    return this.#ready;
  }

  async #start(): Promise<void> {
    const { config, logger } = this.options;
    const detector = config.detector;
    secrets.add(detector.read_password);
    // Decoders a previous detector left behind (it was SIGKILLed) end before new ones start; from
    // here on every decoder child is recorded, pid + start time, for whoever comes next.
    const { killed } = await killOrphans(config.state_dir, logger, 2000, DETECTOR_CHILDREN_FILE);
    if (killed.length > 0) logger.warn({ count: killed.length }, 'ended decoders left by a previous detector');
    this.#children = new ChildRegistry(config.state_dir, DETECTOR_CHILDREN_FILE, 'detector');
    const pool = await this.options.createPool({
      modelPath: detector.model ?? DEFAULT_MODEL_PATH,
      ...(detector.labels_file ? { labelsFile: detector.labels_file } : {}),
      threads: detector.threads === 'auto' ? autoThreads(detector.workers) : detector.threads,
      workers: detector.workers,
      timeoutMs: detector.inference_timeout,
      providers: detector.execution_providers,
      logger,
    });
    this.#pool = pool;
    // A frame prepared ahead waits for the run before it, then has its own run: two timeouts.
    const scheduler = new Scheduler({ runner: pool, capacity: pool.capacity ?? detector.workers, deadlineMs: 2 * detector.inference_timeout + 2000 });
    this.#scheduler = scheduler;
    const env = this.options.hwaccelEnvironment ?? (await probeHwaccelEnvironment(config.ffmpeg.path ?? 'ffmpeg'));
    const tracker = this.options.createTracker();
    if (this.options.pictures !== false) {
      // In front of the outputs: stores events, keeps snapshots, adds has_snapshot/snapshot to events.
      this.#pictures = await Pictures.open({ config, logger, registry: this.metrics.registry, downstream: this.options.sink, cameraState: (id) => this.#cameras.get(id)?.state });
    }
    const enabled = config.cameras.filter((camera) => camera.enabled && camera.detect?.enabled);
    for (const camera of enabled) tracker.configure?.(camera.id, trackSettingsFromCamera(camera));
    const cameras = await Promise.all(enabled.map((camera) => assembleCamera(camera, { config, logger, pool, scheduler, tracker, env, pictures: this.#pictures, children: this.#children, sink: this.options.sink, metrics: this.metrics })));
    for (const camera of cameras) {
      this.#cameras.set(camera.id, camera);
      scheduler.add(camera);
    }
    await Promise.all(cameras.map((camera) => camera.resume()));
    if (this.options.http !== false) {
      const api = await startDetectorApi(this, { http: detectorHttpSettings(config), logger, routes: [...(this.#pictures ? [this.#pictures.routes] : []), ...(this.options.routes ?? [])] });
      this.#app = api.app;
      this.#httpPort = api.port;
    }
    this.#heartbeat = setInterval(() => this.#beat(), this.options.heartbeatMs ?? config.detector.heartbeat_interval);
    this.#heartbeat.unref();
    this.#ready = true;
    logger.info({ cameras: cameras.map((camera) => camera.id), model: detector.model ?? DEFAULT_MODEL_PATH, workers: detector.workers, http: this.#httpPort }, 'detector started');
  }

  #camera(id: string): CameraDetector {
    const camera = this.#cameras.get(id);
    if (!camera) throw new UnknownCameraError(id, 'not configured or detection not enabled');
    return camera;
  }

  /** Stops the camera's decoder child (awaiting its exit). Idempotent. */
  async pauseCamera(id: string): Promise<CameraStatus> {
    const camera = this.#camera(id);
    await camera.pause();
    this.#pictures?.latest.clear(id);
    return camera.status();
  }

  /** Starts the camera's decoder again. Idempotent; refused once shutdown began. */
  async resumeCamera(id: string): Promise<CameraStatus> {
    const camera = this.#camera(id);
    if (!this.#state.stopRequested) await camera.resume();
    return camera.status();
  }

  /** Control-plane form: detection ON/OFF for a camera. */
  setDetect(id: string, on: boolean): Promise<CameraStatus> {
    return on ? this.resumeCamera(id) : this.pauseCamera(id);
  }

  /** Service status; with `id`, only that camera (empty list if unknown). */
  status(id?: string): { ready: boolean; inFlight: number; cameras: CameraStatus[] } {
    const cameras = [...this.#cameras.values()].filter((camera) => id === undefined || camera.id === id);
    return {
      ready: this.#ready,
      inFlight: this.#scheduler?.inFlight ?? 0,
      cameras: cameras.map((camera) => camera.status()),
    };
  }

  async metricsText(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() };
  }

  #beat(): void {
    const cameras = [...this.#cameras.values()].map((camera) => {
      const status = camera.status();
      return {
        id: camera.id,
        state: status.state,
        decodedFps: Number(this.metrics.decodedFps(camera.id).toFixed(2)),
        inferenceFps: Number(this.metrics.inferenceFps(camera.id).toFixed(2)),
        skipped: status.skipped,
        gated: status.framesGated,
        failed: status.failed,
        hwaccel: status.hwaccel,
      };
    });
    this.options.logger.info({ inFlight: this.#scheduler?.inFlight ?? 0, cameras }, 'detector heartbeat');
  }

  /**
   * Two-phase shutdown bounded by `shutdown_timeout`: (1) stop intake and every decoder child,
   * (2) wait for in-flight inferences to deliver their results, (3) close the pool and the API.
   * Idempotent; `drained` says whether phase 2 finished before the deadline.
   */
  stop(): Promise<{ drained: boolean }> {
    return this.#state.stop(() => this.#stop());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #stop(): Promise<{ drained: boolean }> {
    const deadline = Date.now() + this.options.config.shutdown_timeout;
    const remaining = () => Math.max(0, deadline - Date.now());
    this.#ready = false;
    clearInterval(this.#heartbeat);
    this.#scheduler?.stopIntake();
    await Promise.all([...this.#cameras.values()].map((camera) => camera.stop()));
    const drained = this.#scheduler ? await this.#scheduler.drain(remaining()) : true;
    if (!drained) this.options.logger.warn({ inFlight: this.#scheduler?.inFlight }, 'shutdown deadline reached with inferences in flight');
    await this.#pool?.close(remaining());
    await this.#app?.close();
    await this.#pictures?.close(Math.max(500, remaining()));
    this.options.logger.info({ drained }, 'detector stopped');
    return { drained };
  }
}
