/**
 * One inference worker thread and the frames it holds: the one it runs (`job`) and at most one
 * prepared for right after it (`next`). A slot posts a frame with its deadline, moves the prepared
 * frame to the worker the moment the running one returns (so the worker never waits for the main
 * thread), and retires. It decides nothing about failures: a timeout, an error or an exit is
 * reported through its events, and the WorkerSupervisor replaces it.
 *
 * Workers are never terminate()d: one torn down while onnxruntime-node's synchronous native run is
 * on its stack aborts the process (`Napi::Error`, exit 134). A retired worker is asked to leave and
 * exits by itself once no native call is running; `exited` settles when it has.
 */
import type { Worker } from 'node:worker_threads';
import { spawnInferenceWorker, type ReadyMessage } from '../model/worker-spawn.ts';
import type { InferRequest, WorkerInit, WorkerMessage, WorkerRequest } from '../model/worker-protocol.ts';
import type { Job } from './pool-jobs.ts';

/**
 * How long a stop waits for retired workers to leave: a worker inside `session.run` cannot be
 * stopped (see inference-worker.ts), so this is the longest single run we are willing to wait for.
 */
export const EXIT_WAIT_MS = 30_000;

export type SlotState = 'starting' | 'idle' | 'busy' | 'dead';

/** A worker thread with its exit promise, created at spawn so an early exit is not missed. */
export interface SpawnedWorker {
  worker: Worker;
  /** Settles when the worker thread has exited (whatever the cause). */
  exited: Promise<void>;
}

/** What a live slot reports; none is called once the slot is dead. */
export interface SlotEvents {
  message(slot: WorkerSlot, message: WorkerMessage): void;
  /** An uncaught error or an exit of the worker thread. */
  death(slot: WorkerSlot, why: string): void;
  /** `job` overran the run deadline. */
  timeout(slot: WorkerSlot, job: Job): void;
}

export interface WorkerSlotOptions {
  index: number;
  spawned: SpawnedWorker;
  /** Settles with the worker's ready message (already resolved for a worker that opened the model). */
  ready: Promise<ReadyMessage>;
  state: 'starting' | 'idle';
  /** Deadline of one run. */
  timeoutMs: number;
  events: SlotEvents;
  /** A prepared frame carried over from the worker this one replaces: it runs first. */
  carried?: Job | undefined;
}

/** Starts a worker thread (see worker-spawn.ts) and observes its exit from the first moment. */
export function spawnWorker(init: WorkerInit): SpawnedWorker {
  const worker = spawnInferenceWorker(init);
  return { worker, exited: new Promise((resolve) => worker.once('exit', () => resolve())) };
}

/** Posts the retire request (a no-op for a worker that has already exited). */
export function retireWorker(worker: Worker): void {
  const request: WorkerRequest = { type: 'retire' };
  worker.postMessage(request);
}

export class WorkerSlot {
  readonly index: number;
  readonly worker: Worker;
  readonly ready: Promise<ReadyMessage>;
  readonly exited: Promise<void>;
  #state: SlotState;
  #job: Job | undefined;
  #next: Job | undefined;
  readonly #timeoutMs: number;
  readonly #events: SlotEvents;

  constructor(options: WorkerSlotOptions) {
    this.index = options.index;
    this.worker = options.spawned.worker;
    this.exited = options.spawned.exited;
    this.ready = options.ready;
    this.#state = options.state;
    this.#job = options.carried;
    this.#timeoutMs = options.timeoutMs;
    this.#events = options.events;
    this.worker.on('message', (message: WorkerMessage) => this.#events.message(this, message));
    this.worker.on('error', (error) => this.#events.death(this, `uncaught error: ${error.message}`));
    this.worker.on('exit', (code) => this.#events.death(this, `exited with code ${code}`));
  }

  get state(): SlotState {
    return this.#state;
  }

  /** The frame the worker runs (or will run as soon as it is ready). */
  get job(): Job | undefined {
    return this.#job;
  }

  /** The frame prepared for right after `job`, held on the main thread (its tensor is intact). */
  get next(): Job | undefined {
    return this.#next;
  }

  /** Frames held: the running one and the prepared one. */
  get holding(): number {
    return (this.#job ? 1 : 0) + (this.#next ? 1 : 0);
  }

  /** The worker opened its session: it runs the frame it was given meanwhile, if any. */
  becameReady(): void {
    this.#state = 'idle';
    if (this.#job) this.#post();
  }

  /** Takes a frame: it runs now when the worker is idle, once it is ready when starting, else next. */
  take(job: Job): void {
    if (this.#job) {
      this.#next = job;
    } else {
      this.#job = job;
      if (this.#state === 'idle') this.#post();
    }
  }

  /** The running frame is done: the prepared one (if any) goes to the worker at once. */
  advance(): void {
    this.#job = this.#next;
    this.#next = undefined;
    this.#state = 'idle';
    if (this.#job) this.#post();
  }

  /** Removes the running frame (clearing its deadline) and returns it; the prepared one stays. */
  takeRunning(): Job | undefined {
    const job = this.#job;
    if (!job) return undefined;
    clearTimeout(job.timer);
    this.#job = undefined;
    return job;
  }

  /** Removes the prepared frame and returns it. */
  takeNext(): Job | undefined {
    const job = this.#next;
    this.#next = undefined;
    return job;
  }

  /**
   * Marks the slot dead and asks its worker to exit by itself (at once when idle, else when its
   * native run returns; its late result is ignored). Returns the exit promise, or undefined when
   * the slot was already dead.
   */
  retire(): Promise<void> | undefined {
    if (this.#state === 'dead') return undefined;
    this.#state = 'dead';
    this.worker.removeAllListeners('message');
    // Keep an error listener: a late 'error' event from a dying worker must not crash the process.
    this.worker.removeAllListeners('error').on('error', () => {});
    retireWorker(this.worker);
    return this.exited;
  }

  /** Posts the running frame with its deadline; the tensor is transferred, not copied. */
  #post(): void {
    const job = this.#job!;
    this.#state = 'busy';
    job.started = performance.now();
    job.timer = setTimeout(() => this.#events.timeout(this, job), this.#timeoutMs);
    const request: InferRequest = { type: 'infer', id: job.id, tensor: job.tensor, ...(job.debug ? { debug: job.debug } : {}) };
    this.worker.postMessage(request, [job.tensor.buffer as ArrayBuffer]);
  }
}
