import { EventEmitter } from 'node:events';
import { ServiceState } from '../../common/lifecycle/service-state.ts';
import type { Logger } from '../../common/log.ts';
import type { BackoffOptions } from '../../common/lifecycle/backoff.ts';
import { CameraCommands, type DemandLease } from './camera-commands.ts';
import { RESTART_REASONS, type CameraStatus, type RestartReason } from './camera-state.ts';
import { CommandQueue } from './command-queue.ts';
import { DesiredState } from './desired-state.ts';
import { ChildRegistry, killOrphans } from '../../common/child/orphan-registry.ts';
import { Pipeline, type PipelineCamera } from './pipeline.ts';
import type { Launcher } from './pipeline-attempt.ts';
import { UnknownCameraError } from './pipeline-errors.ts';
import { SlotPool } from './slot-pool.ts';
import { killAllPipelines, stopAllPipelines } from './stop-all.ts';

export type { DemandLease } from './camera-commands.ts';
export type { LaunchSpec, Launcher } from './pipeline-attempt.ts';
export type { CameraStatus, CameraStateName, CameraMode, RestartReason } from './camera-state.ts';
export { CAMERA_STATES, RESTART_REASONS } from './camera-state.ts';
export * from './pipeline-errors.ts';
export { StateDirInUseError } from '../../common/child/orphan-registry.ts';

/**
 * The gateway's pipelines: one supervisor per camera (pipeline.ts), a shared slot pool (the hard
 * limit), the orphan registry, and the camera commands behind pause/resume/restart and on-demand
 * viewer leases (camera-commands.ts: one queue per camera, a newer command supersedes the wait of
 * the running one). Every transport (HTTP, MQTT, NATS through the command table; the mediamtx
 * hooks) calls these methods. This file wires the parts and answers for the whole: status, slots,
 * live children, restart counts; shutdown is stop-all.ts.
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

export interface PipelineManagerEvents {
  state: [CameraStatus];
  restart: [{ id: string; reason: RestartReason }];
  stall: [{ id: string }];
}

export class PipelineManager extends EventEmitter<PipelineManagerEvents> {
  readonly #pool: SlotPool;
  readonly #pipelines = new Map<string, Pipeline>();
  readonly #queue = new CommandQueue();
  readonly #commands: CameraCommands;
  readonly #registry: ChildRegistry;
  readonly #restarts = new Map<RestartReason, number>(RESTART_REASONS.map((reason) => [reason, 0]));
  #stalls = 0;
  readonly #state = new ServiceState('pipeline manager');

  constructor(private readonly options: PipelineManagerOptions) {
    super();
    this.#pool = new SlotPool(options.limit);
    this.#registry = new ChildRegistry(options.stateDir);
    const desired = new DesiredState(options.stateDir, options.logger);
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
          paused: desired.isPaused(camera.id),
          isClosed: () => this.#state.stopRequested,
          onState: (status) => this.emit('state', status),
          onRestart: (reason) => this.#countRestart(camera.id, reason),
          onStall: () => {
            this.#stalls++;
            this.emit('stall', { id: camera.id });
          },
        }),
      );
    }
    this.#commands = new CameraCommands({ pipeline: (id) => this.#get(id), pool: this.#pool, queue: this.#queue, desired, isClosed: () => this.#state.stopRequested });
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
      if (this.#state.stopRequested) break;
      if (pipeline.mode === 'always' && pipeline.wanted && !pipeline.active) pipeline.startRun();
    }
    if (!this.#state.stopRequested) this.#state.started();
  }

  /** Stops the camera's child and keeps it stopped; resolves when the child is gone and its slot free. */
  pause(id: string): Promise<CameraStatus> {
    return this.#commands.pause(id);
  }

  /**
   * Explicit start: refuses at once with SlotsExhaustedError when no slot is free; otherwise resolves
   * when progress confirms publishing, or throws (StartTimeoutError, PipelineStartError) leaving the
   * camera in backoff. An on-demand camera without viewers is only un-paused.
   */
  resume(id: string): Promise<CameraStatus> {
    return this.#commands.resume(id);
  }

  /** Stops and starts the camera's pipeline now (clears a pause); same refusal rules as resume. */
  restart(id: string): Promise<CameraStatus> {
    return this.#commands.restart(id);
  }

  /**
   * A viewer wants the camera (mediamtx runOnDemand). Ref-counted: the first lease of an on-demand
   * camera takes a slot at once or throws SlotsExhaustedError (no queueing); it resolves once the
   * pipeline was started, without waiting for progress. Paused cameras refuse (CameraPausedError).
   */
  acquireDemand(id: string): Promise<DemandLease> {
    return this.#commands.acquireDemand(id);
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


  /** Resolves once stop() has finished (every child gone or killed). */
  get closed(): Promise<void> {
    return this.#state.closed;
  }

  /**
   * Stops intake and every pipeline concurrently. Resolves within `deadlineMs` no matter what: at
   * 80 % of it, children still alive get SIGKILL. Memoized: a second call gets the first promise.
   */
  stop(deadlineMs: number): Promise<void> {
    return this.#state.stop(() => stopAllPipelines({ pipelines: [...this.#pipelines.values()], pool: this.#pool, queue: this.#queue, deadlineMs }));
  }

  /** Second signal: SIGKILL every child's process group now (exits are still observed and leases released). */
  killAll(): void {
    killAllPipelines(this.#pipelines.values());
  }

  #get(id: string): Pipeline {
    const pipeline = this.#pipelines.get(id);
    if (!pipeline) throw new UnknownCameraError(id);
    return pipeline;
  }

  #countRestart(id: string, reason: RestartReason): void {
    this.#restarts.set(reason, (this.#restarts.get(reason) ?? 0) + 1);
    this.emit('restart', { id, reason });
  }
}
