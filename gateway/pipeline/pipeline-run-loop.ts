/**
 * What one run of a camera does (common/lifecycle/restart-loop.ts): wait for a slot (FIFO) →
 * launch → watch the attempt to its end → on failure back off and go again, until the run is
 * stopped. The Pipeline decides when a run starts and stops and what the operator wants; this
 * file is the loop itself, with what each lifetime tells the camera's state, the log, the restart
 * counters and the callers waiting for "publishing confirmed".
 */
import type { Backoff } from '../../common/lifecycle/backoff.ts';
import { deadline } from '../../common/lifecycle/deadline.ts';
import { RestartLoop, type LifetimeOutcome } from '../../common/lifecycle/restart-loop.ts';
import type { Logger } from '../../common/log.ts';
import type { ChildRegistry } from '../../common/child/orphan-registry.ts';
import type { CameraMode, CameraState, RestartReason } from './camera-state.ts';
import { PipelineAttempt, type AttemptOutcome, type Launcher, type LaunchSpec } from './pipeline-attempt.ts';
import { PipelineStartError, StartTimeoutError } from './pipeline-errors.ts';
import type { PipelineRun } from './pipeline-run.ts';
import type { Lease, SlotPool } from './slot-pool.ts';

export interface PipelineCamera {
  id: string;
  mode: CameraMode;
  stallTimeoutMs: number;
  startTimeoutMs: number;
}

/** What a run needs from the gateway. */
export interface RunDeps {
  camera: PipelineCamera;
  pool: SlotPool;
  launch: Launcher;
  stopGraceMs: number;
  registry: ChildRegistry;
  /** True once the manager stopped intake: no new attempt may start. */
  isClosed(): boolean;
  onRestart(reason: RestartReason): void;
  onStall(): void;
}

/** The camera a run belongs to: its state, its backoff (an operator start resets it) and its log. */
export interface RunOwner {
  readonly state: CameraState;
  readonly backoff: Backoff;
  readonly log: Logger;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Why the lifetime that just ended failed (told to the state, the log and confirm-waiters at backoff). */
interface Failure {
  reason: RestartReason;
  text: string;
}

export class PipelineRunLoop {
  readonly #id: string;

  constructor(
    private readonly deps: RunDeps,
    private readonly owner: RunOwner,
  ) {
    this.#id = deps.camera.id;
  }

  /** Runs `run` to its end; `firstLease` (an explicit start) is used by the first attempt. */
  async run(run: PipelineRun, firstLease: Lease | undefined): Promise<void> {
    const { state } = this.owner;
    let lease = firstLease;
    let failure: Failure | undefined;
    const failed = (reason: RestartReason, text: string, ranMs: number): LifetimeOutcome<RestartReason> => {
      failure = { reason, text };
      return { restart: reason, ranMs };
    };
    /** One lifetime: a slot, a launch spec, one attempt watched to its end. */
    const lifetime = async (signal: AbortSignal): Promise<LifetimeOutcome<RestartReason>> => {
      if (this.deps.isClosed()) return { end: true };
      lease ??= this.deps.pool.tryAcquire(this.#id);
      if (!lease) {
        state.enter('waiting');
        try {
          lease = await this.deps.pool.acquire(this.#id, signal);
        } catch {
          return { end: true }; // aborted, or the pool closed
        }
        if (signal.aborted || this.deps.isClosed()) return { end: true };
      }
      state.enter('starting');
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
      state.recordExit(outcome.exit.code, outcome.exit.signal);
      if (outcome.exit.lost) {
        run.fail(new PipelineStartError(this.#id, 'child could not be killed'));
        state.recordError('child did not exit even after SIGKILL');
        state.enter('failed');
        return { end: true };
      }
      if (signal.aborted || outcome.kind === 'stopped') return { end: true };
      return failed(outcome.kind, this.#describe(outcome), outcome.ranMs);
    };
    const loop = new RestartLoop<RestartReason>({
      backoff: this.owner.backoff,
      signal: run.abort.signal,
      run: lifetime,
      onBackoff: ({ reason, delayMs }) => this.#failed(run, reason, failure?.text ?? reason, delayMs),
    });
    try {
      await loop.run();
    } finally {
      lease?.release();
      run.fail(new PipelineStartError(this.#id, 'stopped before publishing was confirmed'));
    }
  }

  #spawn(run: PipelineRun, lease: Lease, spec: LaunchSpec): PipelineAttempt {
    const { state } = this.owner;
    const attempt = new PipelineAttempt({
      cameraId: this.#id,
      lease,
      spec,
      startTimeoutMs: this.deps.camera.startTimeoutMs,
      stallTimeoutMs: this.deps.camera.stallTimeoutMs,
      stopGraceMs: this.deps.stopGraceMs,
      registry: this.deps.registry,
      logger: this.owner.log,
      onConfirmed: (pid) => {
        state.enter('running', { ...(pid !== undefined ? { pid } : {}), startedAt: new Date().toISOString() });
        run.confirm();
      },
      onEnding: (reason) => {
        if (reason === 'stall') this.deps.onStall();
        state.enter('stopping');
      },
    });
    run.attempt = attempt;
    state.enter('starting', attempt.pid !== undefined ? { pid: attempt.pid } : {});
    return attempt;
  }

  /** Calls the launcher with a deadline (start timeout) and abandons it on stop. */
  #launch(signal: AbortSignal): Promise<LaunchSpec> {
    const work = Promise.resolve().then(() => this.deps.launch(this.#id));
    return deadline(work, this.deps.camera.startTimeoutMs, 'launcher (camera start spec)', { signal });
  }

  /** A lifetime failed and the loop backs off `delayMs`: state, counters, log, and confirm-waiters. */
  #failed(run: PipelineRun, reason: RestartReason, text: string, delayMs: number): void {
    const { state } = this.owner;
    state.recordError(text);
    state.countRestart();
    this.deps.onRestart(reason);
    state.enter('backoff');
    this.owner.log.warn({ reason, delayMs, restarts: state.snapshot().restarts }, `pipeline restart scheduled: ${text}`);
    run.fail(
      reason === 'start-timeout' ? new StartTimeoutError(this.#id, this.deps.camera.startTimeoutMs) : new PipelineStartError(this.#id, text),
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
}
