import { EventEmitter } from 'node:events';
import { ServiceState } from '../../common/lifecycle/service-state.ts';
import type { Logger } from '../../common/log.ts';
import type { BackoffOptions } from '../../common/lifecycle/backoff.ts';
import { RESTART_REASONS, type CameraStatus, type RestartReason } from './camera-state.ts';
import { CommandQueue } from './command-queue.ts';
import { DesiredState } from './desired-state.ts';
import { ChildRegistry, killOrphans } from '../../common/child/orphan-registry.ts';
import { Pipeline, type PipelineCamera } from './pipeline.ts';
import type { Launcher } from './pipeline-attempt.ts';
import {
  CameraPausedError,
  CommandSupersededError,
  ShuttingDownError,
  SlotsExhaustedError,
  UnknownCameraError,
} from './pipeline-errors.ts';
import { SlotPool } from './slot-pool.ts';
import { settledWithin } from '../../common/lifecycle/deadline.ts';

export type { LaunchSpec, Launcher } from './pipeline-attempt.ts';
export type { CameraStatus, CameraStateName, CameraMode, RestartReason } from './camera-state.ts';
export { CAMERA_STATES, RESTART_REASONS } from './camera-state.ts';
export * from './pipeline-errors.ts';
export { StateDirInUseError } from '../../common/child/orphan-registry.ts';

/**
 * The gateway's pipelines: one supervisor per camera, a shared slot pool (the hard limit), the
 * orphan registry, and the per-camera command queue behind pause/resume/restart and on-demand
 * viewer leases. Every transport (HTTP, MQTT, NATS through the command table; the mediamtx hooks)
 * calls these methods, and this queue is the only one in front of a camera: a newer command
 * supersedes the wait of the running one.
 *
 * A user's pause is durable (gateway/pipeline/desired-state.ts): applied in the constructor, before any
 * pipeline starts; a resume or restart clears it.
 *
 * Lifecycle (common/lifecycle/service-state.ts): inert constructor, `start()` once, `stop()`
 * memoized and bounded, `closed`, start after stop refused with ServiceStoppedError.
 */

export interface PipelineManagerOptions {
  cameras: PipelineCamera[];
  /** Maximum concurrent publish children (pipelines.limit). */
  limit: number;
  launch: Launcher;
  /** Grace between SIGTERM and SIGKILL (and half of it, capped at 1 s, after the quit input). */
  stopGraceMs: number;
  backoff: BackoffOptions;
  /** Where children.json lives. */
  stateDir: string;
  logger: Logger;
}

/** A viewer's hold on an on-demand camera; the last release stops its pipeline. */
export interface DemandLease {
  /** Idempotent; resolves when the release was applied (and, if it was the last, the child is gone). */
  release(): Promise<void>;
}

export interface PipelineManagerEvents {
  state: [CameraStatus];
  restart: [{ id: string; reason: RestartReason }];
  stall: [{ id: string }];
}

/** Commands whose outcome is the user's desired state (demand leases are not). */
const USER_COMMANDS = new Set(['pause', 'resume', 'restart']);

export class PipelineManager extends EventEmitter<PipelineManagerEvents> {
  readonly #pool: SlotPool;
  readonly #pipelines = new Map<string, Pipeline>();
  readonly #commands = new CommandQueue();
  readonly #registry: ChildRegistry;
  readonly #desired: DesiredState;
  readonly #restarts = new Map<RestartReason, number>(RESTART_REASONS.map((reason) => [reason, 0]));
  #stalls = 0;
  #closed = false;
  readonly #state = new ServiceState('pipeline manager');

  constructor(private readonly options: PipelineManagerOptions) {
    super();
    this.#pool = new SlotPool(options.limit);
    this.#registry = new ChildRegistry(options.stateDir);
    this.#desired = new DesiredState(options.stateDir, options.logger);
    for (const camera of options.cameras) {
      if (this.#pipelines.has(camera.id)) throw new Error(`duplicate camera id "${camera.id}"`);
      this.#pipelines.set(
        camera.id,
        new Pipeline({
          camera,
          pool: this.#pool,
          launch: options.launch,
          stopGraceMs: options.stopGraceMs,
          backoff: options.backoff,
          registry: this.#registry,
          logger: options.logger,
          isClosed: () => this.#closed,
          onState: (status) => this.emit('state', status),
          onRestart: (reason) => this.#countRestart(camera.id, reason),
          onStall: () => {
            this.#stalls++;
            this.emit('stall', { id: camera.id });
          },
        }),
      );
      if (this.#desired.isPaused(camera.id)) {
        const pipeline = this.#pipelines.get(camera.id) as Pipeline;
        pipeline.paused = true;
        pipeline.state.enter('paused');
      }
    }
  }

  /**
   * Ends a previous run's orphans, then queues every `always` camera for a slot, in config order.
   * Rejects with StateDirInUseError if another live gateway owns the state dir.
   */
  async start(): Promise<void> {
    this.#state.beginStart();
    const { killed } = await killOrphans(this.options.stateDir, this.options.logger);
    if (killed.length > 0) this.options.logger.warn({ count: killed.length }, 'ended children left by a previous run');
    for (const pipeline of this.#pipelines.values()) {
      if (this.#closed) break;
      if (pipeline.mode === 'always' && pipeline.wanted && !pipeline.active) pipeline.startRun();
    }
    if (!this.#closed) this.#state.started();
  }

  /** Stops the camera's child and keeps it stopped; resolves when the child is gone and its slot free. */
  pause(id: string): Promise<CameraStatus> {
    return this.#command(id, 'pause', async (pipeline) => {
      pipeline.paused = true;
      await pipeline.stopRun();
      pipeline.state.enter('paused');
      return pipeline.status();
    });
  }

  /**
   * Explicit start: refuses at once with SlotsExhaustedError when no slot is free; otherwise resolves
   * when progress confirms publishing, or throws (StartTimeoutError, PipelineStartError) leaving the
   * camera in backoff. An on-demand camera without viewers is only un-paused.
   */
  resume(id: string): Promise<CameraStatus> {
    return this.#command(id, 'resume', async (pipeline, signal) => {
      const wasPaused = pipeline.paused;
      if (pipeline.mode === 'on-demand' && pipeline.demand === 0) {
        pipeline.paused = false;
        if (!pipeline.active) pipeline.state.enter('stopped');
        return pipeline.status();
      }
      const current = pipeline.state.name;
      if (pipeline.active && (current === 'running' || current === 'starting')) {
        pipeline.paused = false;
        await pipeline.waitConfirmed(signal);
        return pipeline.status();
      }
      // A child that is being stopped by its own watchdog still holds its slot: let it go first.
      if (pipeline.active && current === 'stopping') await pipeline.stopRun();
      await this.#explicitStart(pipeline, signal, () => {
        if (!wasPaused) this.#superviseIfWanted(pipeline);
      });
      return pipeline.status();
    });
  }

  /** Stops and starts the camera's pipeline now (clears a pause); same refusal rules as resume. */
  restart(id: string): Promise<CameraStatus> {
    return this.#command(id, 'restart', async (pipeline, signal) => {
      pipeline.paused = false;
      if (!pipeline.wanted) {
        // An on-demand camera without viewers: nothing to run, but the pause is lifted.
        if (!pipeline.active) pipeline.state.enter('stopped');
        return pipeline.status();
      }
      await pipeline.stopRun();
      this.#countRestart(id, 'manual');
      pipeline.state.countRestart();
      await this.#explicitStart(pipeline, signal, () => this.#superviseIfWanted(pipeline));
      return pipeline.status();
    });
  }

  /**
   * A viewer wants the camera (mediamtx runOnDemand). Ref-counted: the first lease of an on-demand
   * camera takes a slot at once or throws SlotsExhaustedError (no queueing); it resolves once the
   * pipeline was started, without waiting for progress. Paused cameras refuse (CameraPausedError).
   */
  acquireDemand(id: string): Promise<DemandLease> {
    return this.#command(
      id,
      'demand',
      async (pipeline) => {
        if (pipeline.paused) throw new CameraPausedError(id);
        if (pipeline.mode === 'on-demand' && pipeline.demand === 0 && !pipeline.active) {
          const lease = this.#pool.tryAcquire(id);
          if (!lease) throw new SlotsExhaustedError(id, this.#pool.limit, this.#pool.holders());
          pipeline.backoff.reset();
          pipeline.startRun(lease);
        }
        pipeline.demand++;
        pipeline.state.setDemand(pipeline.demand);
        return this.#demandLease(pipeline);
      },
      false,
    );
  }

  status(): CameraStatus[];
  status(id: string): CameraStatus;
  status(id?: string): CameraStatus | CameraStatus[] {
    if (id !== undefined) return this.#get(id).status();
    return [...this.#pipelines.values()].map((pipeline) => pipeline.status());
  }

  /** Slots from the lease set: in use, the limit, and the cameras queued for one (FIFO). */
  slots(): { inUse: number; limit: number; waiting: string[] } {
    return { inUse: this.#pool.inUse, limit: this.#pool.limit, waiting: this.#pool.waiting };
  }

  /** Pids of children whose exit has not been observed yet. */
  liveChildren(): number[] {
    const pids: number[] = [];
    for (const pipeline of this.#pipelines.values()) {
      const pid = pipeline.pid;
      if (pid !== undefined) pids.push(pid);
    }
    return pids;
  }

  /** Restarts since start, by reason (for the restarts counter). */
  restartCounts(): Record<RestartReason, number> {
    return Object.fromEntries(this.#restarts) as Record<RestartReason, number>;
  }

  /** Stalls detected since start. */
  get stalls(): number {
    return this.#stalls;
  }

  /** True once stop() was called. */
  get stopping(): boolean {
    return this.#closed;
  }

  /** Resolves once stop() has finished (every child gone or killed). */
  get closed(): Promise<void> {
    return this.#state.closed;
  }

  /**
   * Stops intake and every pipeline concurrently. Resolves within `deadlineMs` no matter what: at
   * 80 % of it, children still alive get SIGKILL. Memoized: a second call gets the first promise.
   */
  stop(deadlineMs: number): Promise<void> {
    return this.#state.stop(() => this.#drain(deadlineMs));
  }

  /** Old name of stop(). */
  shutdown(deadlineMs: number): Promise<void> {
    return this.stop(deadlineMs);
  }

  async #drain(deadlineMs: number): Promise<void> {
    this.#closed = true;
    this.#pool.close('gateway is shutting down');
    this.#commands.abortAll(new ShuttingDownError());
    const stopAll = Promise.all(
      [...this.#pipelines.values()].map(async (pipeline) => {
        await pipeline.stopRun();
        pipeline.state.enter('stopped');
      }),
    );
    // Children still there at 80 % of the bound are SIGKILLed, so their exits land before it ends.
    const killTimer = setTimeout(() => this.killAll(), Math.floor(deadlineMs * 0.8));
    try {
      await settledWithin(stopAll, deadlineMs);
    } finally {
      clearTimeout(killTimer);
    }
  }

  /** Second signal: SIGKILL every child's process group now (exits are still observed and leases released). */
  killAll(): void {
    for (const pipeline of this.#pipelines.values()) pipeline.kill();
  }

  #get(id: string): Pipeline {
    const pipeline = this.#pipelines.get(id);
    if (!pipeline) throw new UnknownCameraError(id);
    return pipeline;
  }

  #command<T>(id: string, name: string, work: (pipeline: Pipeline, signal: AbortSignal) => Promise<T>, supersede = true): Promise<T> {
    let pipeline: Pipeline;
    try {
      pipeline = this.#get(id);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (this.#closed) return Promise.reject(new ShuttingDownError(id));
    return this.#commands.run(
      id,
      name,
      async (signal) => {
        if (this.#closed) throw new ShuttingDownError(id);
        try {
          return await work(pipeline, signal);
        } finally {
          // The user's choice as it stands after the command (a refused resume leaves it paused).
          if (USER_COMMANDS.has(name)) this.#desired.setPaused(id, pipeline.paused);
        }
      },
      { supersede, supersededError: (previous) => new CommandSupersededError(id, previous) },
    );
  }

  /** Takes a free slot now (or calls onRefused and throws), replaces any run, waits for progress. */
  async #explicitStart(pipeline: Pipeline, signal: AbortSignal, onRefused: () => void): Promise<void> {
    const lease = this.#pool.tryAcquire(pipeline.id);
    if (!lease) {
      onRefused();
      throw new SlotsExhaustedError(pipeline.id, this.#pool.limit, this.#pool.holders());
    }
    try {
      await pipeline.stopRun();
    } catch (error) {
      lease.release();
      throw error;
    }
    pipeline.paused = false;
    pipeline.backoff.reset();
    pipeline.startRun(lease);
    await pipeline.waitConfirmed(signal);
  }

  /** A wanted camera without a run goes back in the FIFO queue for a slot. */
  #superviseIfWanted(pipeline: Pipeline): void {
    if (!this.#closed && pipeline.wanted && !pipeline.active) pipeline.startRun();
  }

  #demandLease(pipeline: Pipeline): DemandLease {
    let released: Promise<void> | undefined;
    return {
      release: () => {
        released ??= this.#commands.run(
          pipeline.id,
          'demand-release',
          async () => {
            pipeline.demand = Math.max(0, pipeline.demand - 1);
            pipeline.state.setDemand(pipeline.demand);
            if (pipeline.demand > 0 || pipeline.mode !== 'on-demand') return;
            await pipeline.stopRun();
            if (!pipeline.paused) pipeline.state.enter('stopped');
          },
          { supersede: false },
        );
        return released;
      },
    };
  }

  #countRestart(id: string, reason: RestartReason): void {
    this.#restarts.set(reason, (this.#restarts.get(reason) ?? 0) + 1);
    this.emit('restart', { id, reason });
  }
}
