import type { Worker } from 'node:worker_threads';
import { Backoff } from '../../common/lifecycle/backoff.ts';
import { settledWithin } from '../../common/lifecycle/deadline.ts';
import { ServiceState } from '../../common/lifecycle/service-state.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import { silentLogger, type Logger } from '../../common/log.ts';
import {
  FrameSizeError,
  InferenceTimeoutError,
  ModelError,
  PoolBusyError,
  PoolClosedError,
  WorkerCrashedError,
} from '../model/errors.ts';
import { prefetchHelps } from '../model/cpu-budget.ts';
import { modelLabels } from '../model/labels.ts';
import { postprocess } from '../model/postprocess.ts';
import { rgbToNchw } from '../model/preprocess.ts';
import { awaitReady, spawnInferenceWorker as spawn, type ReadyMessage } from '../model/worker-spawn.ts';
import type { ProviderName } from '../model/session.ts';
import type { Detection, Letterbox, ModelInfo, OutputLayout, PostprocessOptions } from '../model/types.ts';
import type { InferenceDebug, InferenceTimings, InferRequest, WorkerInit, WorkerMessage, WorkerRequest } from '../model/worker-protocol.ts';

export { FrameSizeError, InferenceTimeoutError, ModelError, PoolBusyError, PoolClosedError, WorkerCrashedError };
export type { InferenceDebug, InferenceTimings };

export interface InferencePoolOptions {
  modelPath: string;
  /** One label per line; overrides the model's `names` metadata. */
  labelsFile?: string;
  /** onnxruntime intra-op threads per worker. */
  threads: number;
  /** Worker threads, each with its own session. Frames in flight: one running and one prepared per worker. */
  workers: number;
  /**
   * Deadline of one inference: on overrun the caller gets InferenceTimeoutError at once and a new
   * worker takes the slot; the old one exits on its own when its native run returns.
   */
  timeoutMs: number;
  providers?: ProviderName[];
  logger?: Logger;
  /** Force the output layout instead of detecting it. */
  layout?: OutputLayout;
  /** Deadline for a worker to open its session (default 60 s). */
  startTimeoutMs?: number;
  /**
   * Prepare each worker's next frame while it runs (see the class comment). Default: only when
   * workers × threads leave a core free; when onnxruntime already keeps every core busy, the main
   * thread's pre/postprocessing would only slow the run down, so frames go one at a time.
   */
  prefetch?: boolean;
}


/** A frame ready for the model: RGB24 HWC, exactly inputWidth×inputHeight, letterboxed (pad 114). */
export interface InferenceFrame {
  /** Converted to the input tensor before `infer()` returns: the caller may reuse it at once. */
  data: Uint8Array;
  letterbox: Letterbox;
}

export interface InferenceResult {
  detections: Detection[];
  timings: InferenceTimings & { totalMs: number };
}

interface Job {
  id: number;
  /** float32 NCHW, prepared on the main thread; detached while the worker holds it. */
  tensor: Float32Array;
  letterbox: Letterbox;
  options: PostprocessOptions;
  debug?: InferenceDebug;
  preprocessMs: number;
  /** When it was prepared (performance.now()). */
  prepared: number;
  /** When it was posted to its worker; 0 while held as a slot's `next`. */
  started: number;
  timer?: NodeJS.Timeout;
  resolve: (result: InferenceResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  index: number;
  worker: Worker;
  state: 'starting' | 'idle' | 'busy' | 'dead';
  /** The frame the worker runs (or will run as soon as it is ready). */
  job?: Job;
  /** The frame prepared for right after `job`, held on the main thread (its tensor is intact). */
  next?: Job;
  ready: Promise<ReadyMessage>;
  /** Settles when the worker thread has exited (whatever the cause). */
  exited: Promise<void>;
}

/**
 * How long close() waits for retired workers to leave: a worker inside `session.run` cannot be
 * stopped (see inference-worker.ts), so this is the longest single run we are willing to wait for.
 */
const EXIT_WAIT_MS = 30_000;

/** Pacing of restarts after a worker failed to start (reset once one becomes ready). */
const RESTART_BACKOFF = { initialMs: 250, maxMs: 30_000, resetAfterMs: Infinity };

/**
 * How much earlier than a run's expected end a prepared frame is wanted, beyond preprocessing
 * itself: timer jitter and the message hop, plus twice the runs' mean deviation (a run that ends
 * early would otherwise find nothing prepared and wait for pre- and postprocessing).
 */
const PREFETCH_MARGIN_MS = 2;
const PREFETCH_DEVIATIONS = 2;
/** Weight of the newest sample in the running estimates of run and preprocess time. */
const EWMA_WEIGHT = 0.2;

/**
 * Runs YOLO inference in worker threads (one onnxruntime session each) so the event loop never
 * waits on it. The worker only runs the session; the main thread converts the frame to the input
 * tensor (~1 ms at 640²) and decodes the output (~1 ms), both while the worker runs another frame:
 * each worker has one frame running and may have one more prepared, which is posted the moment the
 * running one returns, before that one is postprocessed. So the worker never waits for the main
 * thread, and pre/postprocessing cost no inference time. `acceptsIn()` tells a scheduler when to
 * prepare that next frame (just before the running one is expected to end, so it is fresh). This
 * only pays when a core is left for it (`prefetch`); otherwise frames go one at a time per worker.
 *
 * Bounded: at most `capacity` frames in flight (two per worker with prefetch, else one); more is a caller bug (PoolBusyError), not a
 * queue. Every run has a deadline; an overrunning or crashed worker is replaced and its frame
 * counted as failed (a prepared frame moves to the replacement).
 *
 * Workers are never terminate()d: one torn down while onnxruntime-node's synchronous native run is
 * on its stack aborts the process (`Napi::Error`, exit 134). A replaced worker is asked to retire
 * and exits by itself once no native call is running; close() waits for that.
 *
 * Lifecycle (common/lifecycle/service-state.ts): `new` is inert (validates only), `start()` opens
 * the workers, `stop()` is memoized (concurrent callers share the one drain), `closed`;
 * `create()` = new + start, `close()` = stop, the older names.
 */
export class InferencePool {
  #info: ModelInfo | undefined;
  readonly #opts: InferencePoolOptions;
  #init!: WorkerInit;
  readonly #log: Logger;
  readonly #slots: Slot[] = [];
  readonly #prefetch: boolean;
  readonly #terminating = new Set<Promise<unknown>>();
  readonly #state = new ServiceState('inference pool');
  readonly #restartBackoff = new Backoff(RESTART_BACKOFF);
  /** Input tensors back from the workers, reused (bounded: one per frame that can be in flight). */
  readonly #tensors: Float32Array[] = [];
  /** Running estimates: dispatch → result on the main thread, and preprocessing. */
  #runEstimateMs: number;
  /** Mean absolute deviation of runs from the estimate. */
  #runDeviationMs = 0;
  #preEstimateMs = 1;
  #nextId = 1;
  #drained: (() => void) | undefined;
  #stats = { completed: 0, failed: 0, timeouts: 0, workerRestarts: 0 };

  /** Inert: checks the options (RangeError naming the field) and starts nothing. */
  constructor(opts: InferencePoolOptions) {
    validate(opts);
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger();
    this.#runEstimateMs = 0;
    this.#prefetch = opts.prefetch ?? prefetchHelps(opts.workers, opts.threads);
  }

  /** The opened model (after start()). */
  get info(): ModelInfo {
    if (!this.#info) throw new Error('inference pool: info is known only after start()');
    return this.#info;
  }

  get #closing(): boolean {
    return this.#state.stopRequested;
  }

  /** Resolves once stop() has finished (every worker thread exited, or the wait for it ran out). */
  get closed(): Promise<void> {
    return this.#state.closed;
  }

  /** Most frames in flight at once: one per worker, plus one prepared per worker when prefetching. */
  get capacity(): number {
    return (this.#prefetch ? 2 : 1) * this.#opts.workers;
  }

  get prefetch(): boolean {
    return this.#prefetch;
  }

  /** Opens the model in `workers` workers; resolves once all are ready (or rejects, leaving nothing running). */
  static async create(opts: InferencePoolOptions): Promise<InferencePool> {
    const pool = new InferencePool(opts);
    await pool.start();
    return pool;
  }

  /**
   * Opens the model in `workers` workers; resolves once all are ready. On failure (or a stop()
   * meanwhile) it rejects and leaves nothing running. Once; refused after stop().
   */
  async start(): Promise<void> {
    this.#state.beginStart();
    const opts = this.#opts;
    const log = this.#log;
    const labels = await modelLabels(opts.modelPath, opts.labelsFile);
    const init: WorkerInit = {
      modelPath: opts.modelPath,
      threads: opts.threads,
      providers: opts.providers ?? ['cpu'],
      ...(labels ? { labels } : {}),
      ...(opts.layout ? { layout: opts.layout } : {}),
    };
    const first = spawn(init);
    const firstExited = exitOf(first);
    let ready;
    try {
      ready = await awaitReady(first, opts.startTimeoutMs ?? 60_000);
    } catch (error) {
      first.on('error', () => {});
      retireWorker(first);
      // It leaves at once, or when a native call (a slow model open) returns; bounded all the same.
      await settledWithin(firstExited, EXIT_WAIT_MS);
      throw error;
    }
    if (this.#closing) {
      // stop() ran while the first worker opened the model: its drain did not know this worker.
      retireWorker(first);
      await settledWithin(firstExited, EXIT_WAIT_MS);
      this.#state.assertNotStopped();
    }
    if (ready.fallbackReason) log.warn({ model: opts.modelPath, reason: ready.fallbackReason }, 'execution provider fallback to cpu');
    if (labels && ready.layout !== 'end2end' && classCount(ready.outputDims, ready.layout) !== labels.length) {
      log.warn({ model: opts.modelPath, labels: labels.length, classes: classCount(ready.outputDims, ready.layout) }, 'label count differs from model classes');
    }
    this.#info = {
      path: opts.modelPath,
      inputName: ready.inputName,
      inputWidth: ready.inputWidth,
      inputHeight: ready.inputHeight,
      layout: ready.layout,
      labels: ready.labels,
      providers: ready.providers,
    };
    // Later and replacement workers reuse what the first one found: no second provider probe or layout guess.
    this.#init = { ...init, providers: ready.providers, labels: ready.labels, layout: ready.layout };
    this.#runEstimateMs = ready.warmupMs;
    this.#slots.push({ index: 0, worker: first, state: 'idle', ready: Promise.resolve(ready), exited: firstExited });
    this.#watch(this.#slots[0]!);
    try {
      for (let i = 1; i < opts.workers; i++) this.#start(i);
      await Promise.all(this.#slots.map((slot) => slot.ready));
      this.#state.started();
    } catch (error) {
      await this.stop(0);
      throw error;
    }
    const info = this.#info;
    log.info({ model: opts.modelPath, layout: info.layout, input: `${info.inputWidth}x${info.inputHeight}`, labels: info.labels.length, workers: opts.workers, threads: opts.threads, prefetch: this.#prefetch, providers: info.providers }, 'inference pool ready');
  }

  /** Runs one frame; resolves with its detections in source pixels. See {@link inferWithTimings}. */
  async infer(frame: InferenceFrame, options: PostprocessOptions, debug?: InferenceDebug): Promise<Detection[]> {
    return (await this.inferWithTimings(frame, options, debug)).detections;
  }

  /**
   * Runs one frame and reports where the time went. The frame is converted to the input tensor
   * here, synchronously (so `frame.data` is free again when this returns); the run happens in a
   * worker; the output is decoded here when the worker hands it back. Rejects with PoolBusyError
   * (more than `capacity` in flight), InferenceTimeoutError, WorkerCrashedError, FrameSizeError or
   * PoolClosedError. `debug` is for tests only.
   */
  inferWithTimings(frame: InferenceFrame, options: PostprocessOptions, debug?: InferenceDebug): Promise<InferenceResult> {
    if (this.#closing) return Promise.reject(new PoolClosedError('inference pool is closed'));
    const { inputWidth: width, inputHeight: height } = this.info;
    const expected = width * height * 3;
    if (frame.data.length !== expected) {
      return Promise.reject(new FrameSizeError(`frame has ${frame.data.length} bytes; model input ${width}x${height} RGB24 needs ${expected}`));
    }
    const slot = this.#slotFor();
    if (!slot) return Promise.reject(new PoolBusyError(this.capacity));
    const t0 = performance.now();
    const tensor = rgbToNchw(frame.data, width, height, this.#tensors.pop() ?? new Float32Array(expected));
    const prepared = performance.now();
    const preprocessMs = prepared - t0;
    this.#preEstimateMs += EWMA_WEIGHT * (preprocessMs - this.#preEstimateMs);
    return new Promise<InferenceResult>((resolve, reject) => {
      const job: Job = { id: this.#nextId++, tensor, letterbox: frame.letterbox, options, preprocessMs, prepared, started: 0, resolve, reject, ...(debug ? { debug } : {}) };
      if (slot.job) {
        slot.next = job;
      } else {
        slot.job = job;
        if (slot.state === 'idle') this.#dispatch(slot);
      }
    });
  }

  /**
   * Milliseconds until the pool wants another frame: 0 when a worker is idle, or when a busy
   * worker's run is expected to end within about one preprocessing time (so its next frame is
   * ready when it ends, and no older than needed); Infinity when every worker has a frame prepared
   * (or, without prefetch, is busy).
   */
  acceptsIn(): number {
    if (this.#closing) return Infinity;
    const now = performance.now();
    const lead = this.#preEstimateMs + PREFETCH_MARGIN_MS + PREFETCH_DEVIATIONS * this.#runDeviationMs;
    let soonest = Infinity;
    for (const slot of this.#slots) {
      if (slot.state === 'dead') continue;
      if (!slot.job) return 0;
      if (!this.#prefetch || slot.next || slot.state !== 'busy') continue;
      soonest = Math.min(soonest, Math.max(0, slot.job.started + this.#runEstimateMs - lead - now));
    }
    return soonest;
  }

  /** Counters from real lifetimes: in flight now, and totals since creation. */
  stats(): { inFlight: number; completed: number; failed: number; timeouts: number; workerRestarts: number } {
    return { inFlight: this.#inFlight(), ...this.#stats };
  }

  /**
   * Stops accepting frames, lets in-flight inferences finish until `deadlineMs`, then rejects what
   * is left (PoolClosedError) and retires every worker. Resolves once every worker thread has exited
   * (a worker inside a native run leaves when the run returns; at most EXIT_WAIT_MS is waited for
   * that, then it is logged). Memoized: a second call (any deadline) gets the first call's promise.
   */
  stop(deadlineMs = 5000): Promise<void> {
    return this.#state.stop(() => this.#drain(deadlineMs));
  }

  /** Older name of stop(). */
  close(deadlineMs = 5000): Promise<void> {
    return this.stop(deadlineMs);
  }

  async #drain(deadlineMs: number): Promise<void> {
    if (this.#inFlight() > 0 && deadlineMs > 0) {
      await settledWithin(new Promise<void>((resolve) => (this.#drained = resolve)), deadlineMs);
    }
    for (const slot of this.#slots) {
      this.#failAll(slot, new PoolClosedError('inference pool closed before this inference finished'));
      this.#retire(slot);
    }
    const exited = await settledWithin(Promise.allSettled([...this.#terminating]), Math.max(EXIT_WAIT_MS, deadlineMs));
    if (!exited) {
      // Still inside session.run: it cannot be interrupted safely. The thread stays referenced, so a
      // natural exit of the process waits for it instead of aborting.
      this.#log.error({ workers: this.#terminating.size, waitedMs: Math.max(EXIT_WAIT_MS, deadlineMs) }, 'inference worker still inside a native run after close');
    }
  }

  #inFlight(): number {
    let count = 0;
    for (const slot of this.#slots) count += (slot.job ? 1 : 0) + (slot.next ? 1 : 0);
    return count;
  }

  /** An idle worker, else a starting one, else the busy worker expected to finish first that has no frame prepared. */
  #slotFor(): Slot | undefined {
    const open = this.#slots.filter((s) => s.state !== 'dead');
    const free = open.find((s) => s.state === 'idle' && !s.job) ?? open.find((s) => s.state === 'starting' && !s.job);
    if (free || !this.#prefetch) return free;
    let best: Slot | undefined;
    for (const slot of open) {
      if (slot.next) continue;
      if (!best || (slot.job?.started || Infinity) < (best.job?.started || Infinity)) best = slot;
    }
    return best;
  }

  /** Starts a worker at `index`; `carried` (a prepared frame of the worker it replaces) runs first. */
  #start(index: number, carried?: Job): void {
    const worker = spawn(this.#init);
    const slot: Slot = { index, worker, state: 'starting', ready: awaitReady(worker, this.#opts.startTimeoutMs ?? 60_000), exited: exitOf(worker), ...(carried ? { job: carried } : {}) };
    this.#slots[index] = slot;
    this.#watch(slot);
    slot.ready.then(
      () => {
        if (slot.state !== 'starting') return;
        slot.state = 'idle';
        this.#restartBackoff.reset();
        if (slot.job) this.#dispatch(slot);
      },
      (error: unknown) => {
        if (slot.state === 'dead') return;
        this.#log.error({ err: error, worker: index }, 'inference worker failed to start');
        const why = new WorkerCrashedError(`inference worker failed to start: ${(error as Error).message}`);
        this.#failAll(slot, why);
        this.#retire(slot);
        this.#scheduleRestart(index);
      },
    );
  }

  #watch(slot: Slot): void {
    slot.worker.on('message', (message: WorkerMessage) => this.#onMessage(slot, message));
    slot.worker.on('error', (error) => this.#onDeath(slot, `uncaught error: ${error.message}`));
    slot.worker.on('exit', (code) => this.#onDeath(slot, `exited with code ${code}`));
  }

  #dispatch(slot: Slot): void {
    const job = slot.job!;
    slot.state = 'busy';
    job.started = performance.now();
    job.timer = setTimeout(() => this.#onTimeout(slot, job), this.#opts.timeoutMs);
    const request: InferRequest = { type: 'infer', id: job.id, tensor: job.tensor, ...(job.debug ? { debug: job.debug } : {}) };
    slot.worker.postMessage(request, [job.tensor.buffer as ArrayBuffer]);
  }

  /** The running frame is done: the prepared one (if any) goes to the worker at once. */
  #advance(slot: Slot): void {
    slot.job = slot.next;
    slot.next = undefined;
    slot.state = 'idle';
    if (slot.job) this.#dispatch(slot);
  }

  #onMessage(slot: Slot, message: WorkerMessage): void {
    if (slot.state === 'dead') return;
    if (message.type !== 'result' && message.type !== 'error') return;
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    clearTimeout(job.timer);
    const returned = performance.now();
    // Before any work on this result: the worker must not wait for the main thread.
    this.#advance(slot);
    if (message.type === 'error') {
      this.#stats.failed++;
      job.reject(message.name === 'FrameSizeError' ? new FrameSizeError(message.message) : new Error(message.message));
      this.#checkDrained();
      return;
    }
    const error = returned - job.started - this.#runEstimateMs;
    this.#runEstimateMs += EWMA_WEIGHT * error;
    this.#runDeviationMs += EWMA_WEIGHT * (Math.abs(error) - this.#runDeviationMs);
    if (message.tensor.length === this.info.inputWidth * this.info.inputHeight * 3 && this.#tensors.length < this.capacity) this.#tensors.push(message.tensor);
    try {
      const detections = postprocess({ data: message.output, dims: message.dims }, this.info.layout, this.info.labels, job.letterbox, job.options);
      const done = performance.now();
      this.#stats.completed++;
      const timings = { preprocessMs: job.preprocessMs, queuedMs: job.started - job.prepared, runMs: message.runMs, postprocessMs: done - returned };
      job.resolve({ detections, timings: { ...timings, totalMs: done - job.prepared + job.preprocessMs } });
    } catch (error) {
      this.#stats.failed++;
      job.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.#checkDrained();
  }

  #onTimeout(slot: Slot, job: Job): void {
    if (slot.job !== job || slot.state === 'dead') return;
    this.#stats.timeouts++;
    this.#log.warn({ worker: slot.index, timeoutMs: this.#opts.timeoutMs }, 'inference overran its deadline; replacing worker (the old one exits when its run returns)');
    this.#fail(slot, new InferenceTimeoutError(this.#opts.timeoutMs));
    this.#replace(slot);
  }

  #onDeath(slot: Slot, why: string): void {
    if (slot.state === 'dead') return;
    this.#log.error({ worker: slot.index, why }, 'inference worker died; replacing it');
    if (slot.job) this.#fail(slot, new WorkerCrashedError(`inference worker ${why}`));
    this.#replace(slot);
  }

  /** Rejects the slot's running frame, counting it failed. */
  #fail(slot: Slot, error: Error): void {
    const job = slot.job;
    if (!job) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    this.#stats.failed++;
    job.reject(error);
    this.#checkDrained();
  }

  /** Rejects the running and the prepared frame. */
  #failAll(slot: Slot, error: Error): void {
    this.#fail(slot, error);
    slot.job = slot.next;
    slot.next = undefined;
    this.#fail(slot, error);
  }

  /** Retires the slot's worker and starts another; its prepared frame (tensor intact) runs there first. */
  #replace(slot: Slot): void {
    const carried = slot.next;
    slot.next = undefined;
    this.#retire(slot);
    if (this.#closing) {
      if (carried) {
        this.#stats.failed++;
        carried.reject(new PoolClosedError('inference pool closed before this inference started'));
        this.#checkDrained();
      }
      return;
    }
    this.#stats.workerRestarts++;
    this.#start(slot.index, carried);
  }

  /**
   * Marks a slot dead and asks its worker to exit by itself (at once when idle, else when its native
   * run returns; its late result is ignored). Tracked until the thread has exited, for close().
   */
  #retire(slot: Slot): void {
    if (slot.state === 'dead') return;
    slot.state = 'dead';
    slot.worker.removeAllListeners('message');
    // Keep an error listener: a late 'error' event from a dying worker must not crash the process.
    slot.worker.removeAllListeners('error').on('error', () => {});
    retireWorker(slot.worker);
    const done = slot.exited.finally(() => this.#terminating.delete(done));
    this.#terminating.add(done);
  }

  /** A worker failed to start: try again after the shared backoff, unless the pool stops first. */
  #scheduleRestart(index: number): void {
    if (this.#closing) return;
    void sleep(this.#restartBackoff.next(), this.#state.signal).then(() => {
      if (this.#closing) return;
      this.#stats.workerRestarts++;
      this.#start(index);
    });
  }

  #checkDrained(): void {
    if (this.#drained && this.#inFlight() === 0) this.#drained();
  }
}

/** Settles when `worker` has exited; created at spawn so an early exit is not missed. */
function exitOf(worker: Worker): Promise<void> {
  return new Promise((resolve) => worker.once('exit', () => resolve()));
}

/** Posts the retire request (a no-op for a worker that has already exited). */
function retireWorker(worker: Worker): void {
  const request: WorkerRequest = { type: 'retire' };
  worker.postMessage(request);
}

function classCount(dims: number[], layout: OutputLayout): number {
  const a = dims[dims.length - 2] ?? 0;
  const b = dims[dims.length - 1] ?? 0;
  return layout === 'yolov8' ? a - 4 : layout === 'yolov5' ? b - 5 : 0;
}

function validate(opts: InferencePoolOptions): void {
  const intAtLeast = (name: string, value: number, min: number): void => {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`InferencePool: ${name} must be an integer ≥ ${min}, got ${value}`);
  };
  intAtLeast('workers', opts.workers, 1);
  intAtLeast('threads', opts.threads, 1);
  if (!(opts.timeoutMs > 0)) throw new RangeError(`InferencePool: timeoutMs must be > 0, got ${opts.timeoutMs}`);
  if (!opts.modelPath) throw new RangeError('InferencePool: modelPath is required');
}
