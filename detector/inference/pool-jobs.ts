/**
 * One frame's trip through the inference pool (a Job), and the ledger that ends jobs. Every job
 * ends exactly once, resolved or rejected, through this ledger, and the pool's counters are counted
 * where that happens, so `stats()` follows real lifetimes. It also wakes a stop() that lets
 * in-flight work finish before it retires the workers.
 */
import { settledWithin } from '../../common/lifecycle/deadline.ts';
import type { Detection, Letterbox, PostprocessOptions } from '../model/types.ts';
import type { InferenceDebug, InferenceTimings } from '../model/worker-protocol.ts';

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

export interface Job {
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
  /** The run's deadline, set when the job is posted. */
  timer?: NodeJS.Timeout;
  resolve: (result: InferenceResult) => void;
  reject: (error: Error) => void;
}

/** Totals since the pool was created. */
export interface PoolCounts {
  completed: number;
  failed: number;
  timeouts: number;
  workerRestarts: number;
}

export class JobLedger {
  readonly #counts: PoolCounts = { completed: 0, failed: 0, timeouts: 0, workerRestarts: 0 };
  #drained: (() => void) | undefined;

  /** `inFlight`: frames held by the workers right now (running or prepared). */
  constructor(private readonly inFlight: () => number) {}

  /** A copy of the totals. */
  counts(): PoolCounts {
    return { ...this.#counts };
  }

  /** Resolves `job` (counted completed). The job must already be out of its worker's hands. */
  complete(job: Job, result: InferenceResult): void {
    this.#counts.completed++;
    job.resolve(result);
    this.#checkDrained();
  }

  /** Rejects `job` (counted failed), clearing its deadline. The job must already be out of its worker's hands. */
  fail(job: Job, error: Error): void {
    clearTimeout(job.timer);
    this.#counts.failed++;
    job.reject(error);
    this.#checkDrained();
  }

  countTimeout(): void {
    this.#counts.timeouts++;
  }

  countWorkerRestart(): void {
    this.#counts.workerRestarts++;
  }

  /** Resolves once nothing is in flight, or after `deadlineMs` (at once when that is 0). */
  async drained(deadlineMs: number): Promise<void> {
    if (this.inFlight() > 0 && deadlineMs > 0) {
      await settledWithin(new Promise<void>((resolve) => (this.#drained = resolve)), deadlineMs);
    }
  }

  #checkDrained(): void {
    if (this.#drained && this.inFlight() === 0) this.#drained();
  }
}
