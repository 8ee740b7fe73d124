/**
 * Keeps the inference pool's workers alive: it starts a worker per slot, replaces one whose run
 * overran its deadline or that died (the running frame fails, a prepared frame moves to the
 * replacement), restarts one that failed to start after the shared backoff, and retires them all
 * on stop, tracking each retired thread until it has exited. Dispatch (dispatch.ts) decides which
 * frames the workers run; this decides which workers there are.
 */
import { Backoff } from '../../common/lifecycle/backoff.ts';
import { settledWithin } from '../../common/lifecycle/deadline.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import type { Logger } from '../../common/log.ts';
import { InferenceTimeoutError, PoolClosedError, WorkerCrashedError } from '../model/errors.ts';
import { awaitReady, type ReadyMessage } from '../model/worker-spawn.ts';
import type { WorkerInit, WorkerMessage } from '../model/worker-protocol.ts';
import type { Job, JobLedger } from './pool-jobs.ts';
import { spawnWorker, WorkerSlot, type SlotEvents, type SpawnedWorker } from './worker-slot.ts';

/** Pacing of restarts after a worker failed to start (reset once one becomes ready). */
const RESTART_BACKOFF = { initialMs: 250, maxMs: 30_000, resetAfterMs: Infinity };

export interface WorkerSupervisorOptions {
  /** What every worker opens: the first worker's findings (providers, layout, labels) included. */
  init: WorkerInit;
  /** Deadline of one run. */
  timeoutMs: number;
  /** Deadline for a worker to open its session. */
  startTimeoutMs: number;
  ledger: JobLedger;
  logger: Logger;
  /** Aborted when the pool stops: no replacement or restart starts after it. */
  signal: AbortSignal;
  /** A live worker's message (results go to dispatch). */
  onMessage(slot: WorkerSlot, message: WorkerMessage): void;
}

export class WorkerSupervisor {
  /** One per worker index; a replaced slot is swapped in place. */
  readonly slots: WorkerSlot[] = [];
  readonly #opts: WorkerSupervisorOptions;
  readonly #log: Logger;
  readonly #backoff = new Backoff(RESTART_BACKOFF);
  /** Exits of retired workers not yet seen. */
  readonly #retiring = new Set<Promise<unknown>>();
  readonly #events: SlotEvents;

  constructor(options: WorkerSupervisorOptions) {
    this.#opts = options;
    this.#log = options.logger;
    this.#events = {
      message: (slot, message) => {
        if (slot.state !== 'dead') options.onMessage(slot, message);
      },
      death: (slot, why) => this.#onDeath(slot, why),
      timeout: (slot, job) => this.#onTimeout(slot, job),
    };
  }

  get #stopping(): boolean {
    return this.#opts.signal.aborted;
  }

  /** Retired workers whose thread has not exited yet. */
  get retiring(): number {
    return this.#retiring.size;
  }

  /** Frames the workers hold (running or prepared). */
  inFlight(): number {
    let count = 0;
    for (const slot of this.slots) count += slot.holding;
    return count;
  }

  /** Takes on the worker that opened the model as slot 0, ready and idle. */
  adoptFirst(spawned: SpawnedWorker, ready: ReadyMessage): void {
    this.slots.push(new WorkerSlot({ index: 0, spawned, ready: Promise.resolve(ready), state: 'idle', timeoutMs: this.#opts.timeoutMs, events: this.#events }));
  }

  /** Starts a worker at `index`; `carried` (a prepared frame of the worker it replaces) runs first. */
  start(index: number, carried?: Job): void {
    const spawned = spawnWorker(this.#opts.init);
    const ready = awaitReady(spawned.worker, this.#opts.startTimeoutMs);
    const slot = new WorkerSlot({ index, spawned, ready, state: 'starting', timeoutMs: this.#opts.timeoutMs, events: this.#events, carried });
    this.slots[index] = slot;
    ready.then(
      () => {
        if (slot.state !== 'starting') return;
        this.#backoff.reset();
        slot.becameReady();
      },
      (error: unknown) => {
        if (slot.state === 'dead') return;
        this.#log.error({ err: error, worker: index }, 'inference worker failed to start');
        this.#failAll(slot, new WorkerCrashedError(`inference worker failed to start: ${(error as Error).message}`));
        this.#retire(slot);
        this.#scheduleRestart(index);
      },
    );
  }

  /** Stop: fails every frame still held with `error` and retires every worker. */
  retireAll(error: Error): void {
    for (const slot of this.slots) {
      this.#failAll(slot, error);
      this.#retire(slot);
    }
  }

  /** Resolves true once every retired worker has exited, false if some had not within `waitMs`. */
  exitedWithin(waitMs: number): Promise<boolean> {
    return settledWithin(Promise.allSettled([...this.#retiring]), waitMs);
  }

  #onTimeout(slot: WorkerSlot, job: Job): void {
    if (slot.job !== job || slot.state === 'dead') return;
    this.#opts.ledger.countTimeout();
    this.#log.warn({ worker: slot.index, timeoutMs: this.#opts.timeoutMs }, 'inference overran its deadline; replacing worker (the old one exits when its run returns)');
    this.#fail(slot, new InferenceTimeoutError(this.#opts.timeoutMs));
    this.#replace(slot);
  }

  #onDeath(slot: WorkerSlot, why: string): void {
    if (slot.state === 'dead') return;
    this.#log.error({ worker: slot.index, why }, 'inference worker died; replacing it');
    this.#fail(slot, new WorkerCrashedError(`inference worker ${why}`));
    this.#replace(slot);
  }

  /** Rejects the slot's running frame, counting it failed. */
  #fail(slot: WorkerSlot, error: Error): void {
    const job = slot.takeRunning();
    if (job) this.#opts.ledger.fail(job, error);
  }

  /** Rejects the running and the prepared frame. */
  #failAll(slot: WorkerSlot, error: Error): void {
    this.#fail(slot, error);
    const next = slot.takeNext();
    if (next) this.#opts.ledger.fail(next, error);
  }

  /** Retires the slot's worker and starts another; its prepared frame (tensor intact) runs there first. */
  #replace(slot: WorkerSlot): void {
    const carried = slot.takeNext();
    this.#retire(slot);
    if (this.#stopping) {
      if (carried) this.#opts.ledger.fail(carried, new PoolClosedError('inference pool closed before this inference started'));
      return;
    }
    this.#opts.ledger.countWorkerRestart();
    this.start(slot.index, carried);
  }

  /** Retires the slot's worker and tracks its thread until it has exited, for stop. */
  #retire(slot: WorkerSlot): void {
    const exited = slot.retire();
    if (!exited) return;
    const done = exited.finally(() => this.#retiring.delete(done));
    this.#retiring.add(done);
  }

  /** A worker failed to start: try again after the shared backoff, unless the pool stops first. */
  #scheduleRestart(index: number): void {
    if (this.#stopping) return;
    void sleep(this.#backoff.next(), this.#opts.signal).then(() => {
      if (this.#stopping) return;
      this.#opts.ledger.countWorkerRestart();
      this.start(index);
    });
  }
}
