import { Backoff, type BackoffOptions } from '../../common/lifecycle/backoff.ts';
import { deadline } from '../../common/lifecycle/deadline.ts';
import { RestartLoop, type LifetimeOutcome } from '../../common/lifecycle/restart-loop.ts';
import type { Logger } from '../../common/log.ts';
import { CameraState, type CameraMode, type CameraStatus, type RestartReason } from './camera-state.ts';
import type { ChildRegistry } from '../../common/child/orphan-registry.ts';
import { PipelineAttempt, type AttemptOutcome, type Launcher, type LaunchSpec } from './pipeline-attempt.ts';
import { PipelineStartError, StartTimeoutError } from './pipeline-errors.ts';
import type { Lease, SlotPool } from './slot-pool.ts';
import { PipelineRun } from './pipeline-run.ts';

/**
 * One camera's supervisor. A *run* is the restart loop of a camera that should be publishing
 * (common/lifecycle/restart-loop.ts): wait for a slot (FIFO) → launch → watch the attempt → on
 * failure back off and go again, until the run is stopped. At most one run exists per camera; commands (serialized by the manager)
 * start and stop runs, the loop itself never outlives `stopRun()`.
 */

export interface PipelineCamera {
  id: string;
  mode: CameraMode;
  stallTimeoutMs: number;
  startTimeoutMs: number;
}

export interface PipelineDeps {
  camera: PipelineCamera;
  pool: SlotPool;
  launch: Launcher;
  stopGraceMs: number;
  backoff: BackoffOptions;
  registry: ChildRegistry;
  logger: Logger;
  /** True once the manager stopped intake: no new attempt may start. */
  isClosed(): boolean;
  onState(status: CameraStatus): void;
  onRestart(reason: RestartReason): void;
  onStall(): void;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Why the lifetime that just ended failed (told to the state, the log and confirm-waiters at backoff). */
interface Failure {
  reason: RestartReason;
  text: string;
}

export class Pipeline {
  readonly id: string;
  readonly mode: CameraMode;
  readonly state: CameraState;
  readonly backoff: Backoff;
  /** Operator pause: the supervisor never starts a paused camera. */
  paused = false;
  /** Live on-demand viewer leases. */
  demand = 0;
  #run: PipelineRun | undefined;
  readonly #log: Logger;

  constructor(private readonly deps: PipelineDeps) {
    this.id = deps.camera.id;
    this.mode = deps.camera.mode;
    this.state = new CameraState(this.id, this.mode, deps.onState);
    this.backoff = new Backoff(deps.backoff);
    this.#log = deps.logger.child({ component: 'pipeline', camera: this.id });
  }

  /** A run (waiting, starting, running or backing off) exists. */
  get active(): boolean {
    return this.#run !== undefined;
  }

  /** True when the camera should publish: not paused, and always-on or with viewers. */
  get wanted(): boolean {
    return !this.paused && (this.mode === 'always' || this.demand > 0);
  }

  /** Pid of the live child, if any (exit not yet observed). */
  get pid(): number | undefined {
    return this.#run?.attempt?.pid;
  }

  /**
   * Starts the restart loop. With a lease (explicit start) the first attempt uses it; without one
   * the camera queues FIFO for a slot (state `waiting`).
   */
  startRun(lease?: Lease): void {
    if (this.#run) throw new Error(`pipeline "${this.id}" already has a run`);
    const run = new PipelineRun();
    this.#run = run;
    run.done = this.#loop(run, lease).finally(() => {
      if (this.#run === run) this.#run = undefined;
    });
  }

  /** Ends the run: cancels a slot wait or backoff, stops the child; resolves when all is gone. */
  async stopRun(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    run.abort.abort();
    const attempt = run.attempt;
    if (attempt?.child.running) {
      this.state.enter('stopping', attempt.pid !== undefined ? { pid: attempt.pid } : {});
      await attempt.stop();
    }
    await run.done;
  }

  /** Resolves once the current run confirms publishing; rejects if its next attempt fails first. */
  waitConfirmed(signal?: AbortSignal): Promise<void> {
    const run = this.#run;
    if (!run) return Promise.reject(new PipelineStartError(this.id, 'not running'));
    return run.waitConfirmed(signal);
  }

  /** SIGKILL the live child's group now. */
  kill(): void {
    this.#run?.attempt?.kill();
  }

  async #loop(run: PipelineRun, firstLease: Lease | undefined): Promise<void> {
    let lease = firstLease;
    let failure: Failure | undefined;
    const failed = (reason: RestartReason, text: string, ranMs: number): LifetimeOutcome<RestartReason> => {
      failure = { reason, text };
      return { restart: reason, ranMs };
    };
    /** One lifetime: a slot, a launch spec, one attempt watched to its end. */
    const lifetime = async (signal: AbortSignal): Promise<LifetimeOutcome<RestartReason>> => {
      if (this.deps.isClosed()) return { end: true };
      lease ??= this.deps.pool.tryAcquire(this.id);
      if (!lease) {
        this.state.enter('waiting');
        try {
          lease = await this.deps.pool.acquire(this.id, signal);
        } catch {
          return { end: true }; // aborted, or the pool closed
        }
        if (signal.aborted || this.deps.isClosed()) return { end: true };
      }
      this.state.enter('starting');
      let spec: LaunchSpec;
      try {
        spec = await this.#launch(signal);
      } catch (error) {
        lease.release();
        lease = undefined;
        if (signal.aborted) return { end: true };
        return failed('spawn-error', `launch failed: ${message(error)}`, 0);
      }
      if (signal.aborted || this.deps.isClosed()) return { end: true };
      const attempt = this.#spawn(run, lease, spec);
      lease = undefined; // the attempt releases it when the exit is observed
      const outcome = await attempt.done;
      run.attempt = undefined;
      this.state.recordExit(outcome.exit.code, outcome.exit.signal);
      if (outcome.exit.lost) {
        run.fail(new PipelineStartError(this.id, 'child could not be killed'));
        this.state.recordError('child did not exit even after SIGKILL');
        this.state.enter('failed');
        return { end: true };
      }
      if (signal.aborted || outcome.kind === 'stopped') return { end: true };
      return failed(outcome.kind, this.#describe(outcome), outcome.ranMs);
    };
    const loop = new RestartLoop<RestartReason>({
      backoff: this.backoff,
      signal: run.abort.signal,
      run: lifetime,
      onBackoff: ({ reason, delayMs }) => this.#failed(run, reason, failure?.text ?? reason, delayMs),
    });
    try {
      await loop.run();
    } finally {
      lease?.release();
      run.fail(new PipelineStartError(this.id, 'stopped before publishing was confirmed'));
    }
  }

  #spawn(run: PipelineRun, lease: Lease, spec: LaunchSpec): PipelineAttempt {
    const attempt = new PipelineAttempt({
      cameraId: this.id,
      lease,
      spec,
      startTimeoutMs: this.deps.camera.startTimeoutMs,
      stallTimeoutMs: this.deps.camera.stallTimeoutMs,
      stopGraceMs: this.deps.stopGraceMs,
      registry: this.deps.registry,
      logger: this.#log,
      onConfirmed: (pid) => {
        this.state.enter('running', { ...(pid !== undefined ? { pid } : {}), startedAt: new Date().toISOString() });
        run.confirm();
      },
      onEnding: (reason) => {
        if (reason === 'stall') this.deps.onStall();
        this.state.enter('stopping');
      },
    });
    run.attempt = attempt;
    this.state.enter('starting', attempt.pid !== undefined ? { pid: attempt.pid } : {});
    return attempt;
  }

  /** Calls the launcher with a deadline (start timeout) and abandons it on stop. */
  #launch(signal: AbortSignal): Promise<LaunchSpec> {
    const work = Promise.resolve().then(() => this.deps.launch(this.id));
    return deadline(work, this.deps.camera.startTimeoutMs, 'launcher (camera start spec)', { signal });
  }

  /** A lifetime failed and the loop backs off `delayMs`: state, counters, log, and confirm-waiters. */
  #failed(run: PipelineRun, reason: RestartReason, text: string, delayMs: number): void {
    this.state.recordError(text);
    this.state.countRestart();
    this.deps.onRestart(reason);
    this.state.enter('backoff');
    this.#log.warn({ reason, delayMs, restarts: this.state.snapshot().restarts }, `pipeline restart scheduled: ${text}`);
    run.fail(
      reason === 'start-timeout' ? new StartTimeoutError(this.id, this.deps.camera.startTimeoutMs) : new PipelineStartError(this.id, text),
    );
  }

  #describe(outcome: AttemptOutcome): string {
    const { exit } = outcome;
    switch (outcome.kind) {
      case 'spawn-error':
        return `spawn failed: ${exit.spawnError?.message ?? 'unknown error'}`;
      case 'start-timeout':
        return `no progress within ${this.deps.camera.startTimeoutMs} ms`;
      case 'stall':
        return `no progress for ${this.deps.camera.stallTimeoutMs} ms (stalled)`;
      case 'exit':
        return `child exited (code ${String(exit.code)}, signal ${String(exit.signal)})`;
      case 'stopped':
        return 'stopped';
    }
  }

  /** Snapshot of the camera's status with the live demand count. */
  status(): CameraStatus {
    this.state.setDemand(this.demand);
    return this.state.snapshot();
  }
}
