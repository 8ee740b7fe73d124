/**
 * What each camera command does to its pipeline: pause, resume, restart, and a viewer's on-demand
 * lease. Every transport (HTTP, MQTT, NATS through the command table; the mediamtx hooks) ends up
 * here, behind the one per-camera queue (command-queue.ts): commands for a camera never interleave,
 * and a newer one supersedes the *wait* of the running one (a pause behind a slow resume does not
 * wait out the start timeout). The user's choice as it stands after pause/resume/restart is written
 * to desired-state.json, so it survives a restart of the gateway.
 */
import type { CameraStatus } from './camera-state.ts';
import type { CommandQueue } from './command-queue.ts';
import type { DesiredState } from './desired-state.ts';
import type { Pipeline } from './pipeline.ts';
import { CameraPausedError, CommandSupersededError, ShuttingDownError, SlotsExhaustedError } from './pipeline-errors.ts';
import type { Lease, SlotPool } from './slot-pool.ts';

/** A viewer's hold on an on-demand camera; the last release stops its pipeline. */
export interface DemandLease {
  /** Idempotent; resolves when the release was applied (and, if it was the last, the child is gone). */
  release(): Promise<void>;
}

export interface CameraCommandsOptions {
  /** The camera's pipeline; throws UnknownCameraError for an id not configured. */
  pipeline(id: string): Pipeline;
  pool: SlotPool;
  queue: CommandQueue;
  desired: DesiredState;
  /** True once the manager stopped: every command is refused (ShuttingDownError). */
  isClosed(): boolean;
}

/** Commands whose outcome is the user's desired state (demand leases are not). */
const USER_COMMANDS = new Set(['pause', 'resume', 'restart']);

export class CameraCommands {
  readonly #opts: CameraCommandsOptions;

  constructor(options: CameraCommandsOptions) {
    this.#opts = options;
  }

  /** Stops the camera's child and keeps it stopped; resolves when the child is gone and its slot free. */
  pause(id: string): Promise<CameraStatus> {
    return this.#command(id, 'pause', async (pipeline) => {
      await pipeline.pause();
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
        pipeline.liftPause();
        return pipeline.status();
      }
      const current = pipeline.stateName;
      if (pipeline.active && (current === 'running' || current === 'starting')) {
        pipeline.liftPause();
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
      pipeline.liftPause();
      // An on-demand camera without viewers: nothing to run, but the pause is lifted.
      if (!pipeline.wanted) return pipeline.status();
      await pipeline.stopRun();
      pipeline.countManualRestart();
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
          pipeline.startNow(this.#takeSlot(pipeline));
        }
        pipeline.addViewer();
        return this.#demandLease(pipeline);
      },
      false,
    );
  }

  #command<T>(id: string, name: string, work: (pipeline: Pipeline, signal: AbortSignal) => Promise<T>, supersede = true): Promise<T> {
    let pipeline: Pipeline;
    try {
      pipeline = this.#opts.pipeline(id);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (this.#opts.isClosed()) return Promise.reject(new ShuttingDownError(id));
    return this.#opts.queue.run(
      id,
      name,
      async (signal) => {
        if (this.#opts.isClosed()) throw new ShuttingDownError(id);
        try {
          return await work(pipeline, signal);
        } finally {
          // The user's choice as it stands after the command (a refused resume leaves it paused).
          if (USER_COMMANDS.has(name)) this.#opts.desired.setPaused(id, pipeline.paused);
        }
      },
      { supersede, supersededError: (previous) => new CommandSupersededError(id, previous) },
    );
  }

  /** A free slot now, or SlotsExhaustedError naming who holds them (no queueing). */
  #takeSlot(pipeline: Pipeline): Lease {
    const lease = this.#opts.pool.tryAcquire(pipeline.id);
    if (!lease) throw new SlotsExhaustedError(pipeline.id, this.#opts.pool.limit, this.#opts.pool.holders());
    return lease;
  }

  /** Takes a free slot now (or calls onRefused and throws), replaces any run, waits for progress. */
  async #explicitStart(pipeline: Pipeline, signal: AbortSignal, onRefused: () => void): Promise<void> {
    const lease = this.#opts.pool.tryAcquire(pipeline.id);
    if (!lease) {
      onRefused();
      throw new SlotsExhaustedError(pipeline.id, this.#opts.pool.limit, this.#opts.pool.holders());
    }
    try {
      await pipeline.stopRun();
    } catch (error) {
      lease.release();
      throw error;
    }
    pipeline.startNow(lease);
    await pipeline.waitConfirmed(signal);
  }

  /** A wanted camera without a run goes back in the FIFO queue for a slot. */
  #superviseIfWanted(pipeline: Pipeline): void {
    if (!this.#opts.isClosed() && pipeline.wanted && !pipeline.active) pipeline.startRun();
  }

  #demandLease(pipeline: Pipeline): DemandLease {
    let released: Promise<void> | undefined;
    return {
      release: () => {
        released ??= this.#opts.queue.run(pipeline.id, 'demand-release', () => pipeline.removeViewer(), { supersede: false });
        return released;
      },
    };
  }
}
