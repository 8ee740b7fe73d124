import { Backoff, type BackoffOptions } from '../../common/lifecycle/backoff.ts';
import type { Logger } from '../../common/log.ts';
import { CameraState, type CameraMode, type CameraStateName, type CameraStatus } from './camera-state.ts';
import { PipelineStartError } from './pipeline-errors.ts';
import { PipelineRun } from './pipeline-run.ts';
import { PipelineRunLoop, type RunDeps } from './pipeline-run-loop.ts';
import type { Lease } from './slot-pool.ts';

export type { PipelineCamera } from './pipeline-run-loop.ts';

/**
 * One camera's supervisor. A *run* is the restart loop of a camera that should be publishing
 * (pipeline-run-loop.ts): wait for a slot (FIFO) → launch → watch the attempt → on failure back off
 * and go again, until the run is stopped. At most one run exists per camera; commands (serialized by
 * the manager) start and stop runs, the loop itself never outlives `stopRun()`.
 *
 * What the operator and the viewers want (the pause, the demand count) and the camera's state are
 * this object's own: the manager changes them only through the methods below, each of which keeps
 * the state it shows consistent with them.
 */

export interface PipelineDeps extends RunDeps {
  backoff: BackoffOptions;
  logger: Logger;
  /** The user's pause as persisted (desired-state.json): the camera starts paused. */
  paused?: boolean;
  onState(status: CameraStatus): void;
}

export class Pipeline {
  readonly id: string;
  readonly mode: CameraMode;
  readonly #state: CameraState;
  readonly #backoff: Backoff;
  /** Operator pause: the supervisor never starts a paused camera. */
  #paused = false;
  /** Live on-demand viewer leases. */
  #demand = 0;
  #run: PipelineRun | undefined;
  readonly #loop: PipelineRunLoop;
  readonly #onRestart: PipelineDeps['onRestart'];

  constructor(deps: PipelineDeps) {
    this.id = deps.camera.id;
    this.mode = deps.camera.mode;
    this.#state = new CameraState(this.id, this.mode, deps.onState);
    this.#backoff = new Backoff(deps.backoff);
    const log = deps.logger.child({ component: 'pipeline', camera: this.id });
    this.#loop = new PipelineRunLoop(deps, { state: this.#state, backoff: this.#backoff, log });
    this.#onRestart = deps.onRestart;
    if (deps.paused) {
      this.#paused = true;
      this.#state.enter('paused');
    }
  }

  /** Operator pause in force. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Live on-demand viewer leases. */
  get demand(): number {
    return this.#demand;
  }

  /** The camera's current state name. */
  get stateName(): CameraStateName {
    return this.#state.name;
  }

  /** A run (waiting, starting, running or backing off) exists. */
  get active(): boolean {
    return this.#run !== undefined;
  }

  /** True when the camera should publish: not paused, and always-on or with viewers. */
  get wanted(): boolean {
    return !this.#paused && (this.mode === 'always' || this.#demand > 0);
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
    run.done = this.#loop.run(run, lease).finally(() => {
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
      this.#state.enter('stopping', attempt.pid !== undefined ? { pid: attempt.pid } : {});
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

  /** The operator's pause: ends the run (child gone, slot free) and keeps the camera stopped. */
  async pause(): Promise<void> {
    this.#paused = true;
    await this.stopRun();
    this.#state.enter('paused');
  }

  /**
   * Lifts the operator's pause without starting anything. A camera left with nothing to run (an
   * on-demand one without viewers) and no run shows `stopped`.
   */
  liftPause(): void {
    this.#paused = false;
    if (!this.wanted && !this.active) this.#state.enter('stopped');
  }

  /**
   * An explicit start (operator resume/restart, or an on-demand camera's first viewer) on a slot
   * already taken: lifts the pause, forgets past failures, and starts a run that uses `lease`.
   */
  startNow(lease: Lease): void {
    this.#paused = false;
    this.#backoff.reset();
    this.startRun(lease);
  }

  /** An operator's restart: reported (reason `manual`) and counted for the camera. */
  countManualRestart(): void {
    this.#onRestart('manual');
    this.#state.countRestart();
  }

  /** A viewer arrived (the caller started the run if it was the first). */
  addViewer(): void {
    this.#demand++;
    this.#state.setDemand(this.#demand);
  }

  /** A viewer left; the last one stops an on-demand camera (and, unless paused, it shows `stopped`). */
  async removeViewer(): Promise<void> {
    this.#demand = Math.max(0, this.#demand - 1);
    this.#state.setDemand(this.#demand);
    if (this.#demand > 0 || this.mode !== 'on-demand') return;
    await this.stopRun();
    if (!this.#paused) this.#state.enter('stopped');
  }

  /** Gateway shutdown: ends the run and shows `stopped` (a paused camera too). */
  async shutDown(): Promise<void> {
    await this.stopRun();
    this.#state.enter('stopped');
  }

  /** Snapshot of the camera's status with the live demand count. */
  status(): CameraStatus {
    this.#state.setDemand(this.#demand);
    return this.#state.snapshot();
  }
}
