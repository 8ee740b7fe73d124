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
 * Bounded: at most `capacity` frames in flight (two per worker with prefetch, else one); more is a
 * caller bug (PoolBusyError), not a queue. Every run has a deadline; an overrunning or crashed
 * worker is replaced and its frame counted as failed (a prepared frame moves to the replacement).
 * Workers are never terminate()d (see worker-slot.ts); close() waits for retired ones to leave.
 *
 * This class is the façade; the parts, one concern each:
 * - pool-open.ts: the first worker opens the model; the others reuse what it found.
 * - worker-slot.ts / worker-supervisor.ts: one worker and its frames; replacing, restarting and
 *   retiring workers.
 * - dispatch.ts: which worker takes a frame, and its result.
 * - prefetch-timing.ts: the running estimates behind `acceptsIn()`.
 * - pool-jobs.ts: every frame ends exactly once, and the counters are counted there.
 *
 * Lifecycle (common/lifecycle/service-state.ts): `new` is inert (validates only), `start()` opens
 * the workers, `stop()` is memoized (concurrent callers share the one drain), `closed`;
 * `create()` = new + start, `close()` = stop, the older names.
 */
import { ServiceState } from '../../common/lifecycle/service-state.ts';
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
import type { Detection, ModelInfo, PostprocessOptions } from '../model/types.ts';
import type { InferenceDebug, InferenceTimings } from '../model/worker-protocol.ts';
import { Dispatch } from './dispatch.ts';
import { JobLedger, type InferenceFrame, type InferenceResult } from './pool-jobs.ts';
import { dismissWorker, modelFindings, openFirstWorker } from './pool-open.ts';
import { DEFAULT_START_TIMEOUT_MS, poolCapacity, validatePoolOptions, type InferencePoolOptions } from './pool-options.ts';
import { PrefetchTiming } from './prefetch-timing.ts';
import { EXIT_WAIT_MS } from './worker-slot.ts';
import { WorkerSupervisor } from './worker-supervisor.ts';

export { FrameSizeError, InferenceTimeoutError, ModelError, PoolBusyError, PoolClosedError, WorkerCrashedError };
export type { InferenceDebug, InferenceTimings, InferenceFrame, InferenceResult, InferencePoolOptions };

/** The parts that exist once the model is open. */
interface Running {
  info: ModelInfo;
  workers: WorkerSupervisor;
  dispatch: Dispatch;
}

export class InferencePool {
  readonly #opts: InferencePoolOptions;
  readonly #log: Logger;
  readonly #prefetch: boolean;
  readonly #state = new ServiceState('inference pool');
  readonly #timing: PrefetchTiming;
  readonly #ledger = new JobLedger(() => this.#running?.workers.inFlight() ?? 0);
  #running: Running | undefined;

  /** Inert: checks the options (RangeError naming the field) and starts nothing. */
  constructor(opts: InferencePoolOptions) {
    validatePoolOptions(opts);
    this.#opts = opts;
    this.#log = opts.logger ?? silentLogger();
    this.#prefetch = opts.prefetch ?? prefetchHelps(opts.workers, opts.threads);
    this.#timing = new PrefetchTiming(this.#prefetch);
  }

  /** The opened model (after start()). */
  get info(): ModelInfo {
    return this.#started().info;
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
    return poolCapacity(this.#opts.workers, this.#prefetch);
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
    const signal = this.#state.beginStart();
    const opts = this.#opts;
    const opened = await openFirstWorker(opts);
    if (this.#closing) {
      // stop() ran while the first worker opened the model: its drain did not know this worker.
      await dismissWorker(opened.first);
      this.#state.assertNotStopped();
    }
    const { first, ready } = opened;
    const { info, init } = modelFindings(opts, this.#log, opened);
    this.#timing.seed(ready.warmupMs);
    const workers = new WorkerSupervisor({
      init,
      timeoutMs: opts.timeoutMs,
      startTimeoutMs: opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      ledger: this.#ledger,
      logger: this.#log,
      signal,
      onMessage: (slot, message) => dispatch.onMessage(slot, message),
    });
    const dispatch = new Dispatch({ info, slots: workers.slots, prefetch: this.#prefetch, capacity: this.capacity, timing: this.#timing, ledger: this.#ledger });
    this.#running = { info, workers, dispatch };
    workers.adoptFirst(first, ready);
    try {
      for (let i = 1; i < opts.workers; i++) workers.start(i);
      await Promise.all(workers.slots.map((slot) => slot.ready));
      this.#state.started();
    } catch (error) {
      await this.stop(0);
      throw error;
    }
    this.#log.info({ model: opts.modelPath, layout: info.layout, input: `${info.inputWidth}x${info.inputHeight}`, labels: info.labels.length, workers: opts.workers, threads: opts.threads, prefetch: this.#prefetch, providers: info.providers }, 'inference pool ready');
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
    return this.#started().dispatch.submit(frame, options, debug);
  }

  /**
   * Milliseconds until the pool wants another frame: 0 when a worker is idle, or when a busy
   * worker's run is expected to end within about one preprocessing time (so its next frame is
   * ready when it ends, and no older than needed); Infinity when every worker has a frame prepared
   * (or, without prefetch, is busy). See prefetch-timing.ts.
   */
  acceptsIn(): number {
    if (this.#closing) return Infinity;
    return this.#timing.acceptsIn(this.#running?.workers.slots ?? []);
  }

  /** Counters from real lifetimes: in flight now, and totals since creation. */
  stats(): { inFlight: number; completed: number; failed: number; timeouts: number; workerRestarts: number } {
    return { inFlight: this.#running?.workers.inFlight() ?? 0, ...this.#ledger.counts() };
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
    await this.#ledger.drained(deadlineMs);
    const workers = this.#running?.workers;
    if (!workers) return;
    workers.retireAll(new PoolClosedError('inference pool closed before this inference finished'));
    const waitMs = Math.max(EXIT_WAIT_MS, deadlineMs);
    if (!(await workers.exitedWithin(waitMs))) {
      // Still inside session.run: it cannot be interrupted safely. The thread stays referenced, so a
      // natural exit of the process waits for it instead of aborting.
      this.#log.error({ workers: workers.retiring, waitedMs: waitMs }, 'inference worker still inside a native run after close');
    }
  }

  /** The parts that exist once start() has opened the model; throws before that. */
  #started(): Running {
    if (!this.#running) throw new Error('inference pool: info is known only after start()');
    return this.#running;
  }
}
