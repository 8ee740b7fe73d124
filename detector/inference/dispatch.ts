/**
 * Which worker takes a frame, and what happens to its result. A frame is converted to the input
 * tensor here, on the main thread, and given to an idle worker, else a starting one, else (with
 * prefetch) held as the next frame of the busy worker expected to finish first. When a result
 * comes back the prepared frame is posted before anything else, then the output is decoded here
 * while the worker runs. Bounded: more than `capacity` frames in flight is a caller bug
 * (PoolBusyError), never a queue. Input tensors come back with the results and are reused.
 */
import { FrameSizeError, PoolBusyError } from '../model/errors.ts';
import { postprocess } from '../model/postprocess.ts';
import { rgbToNchw } from '../model/preprocess.ts';
import type { ModelInfo, PostprocessOptions } from '../model/types.ts';
import type { InferenceDebug, WorkerMessage } from '../model/worker-protocol.ts';
import type { InferenceFrame, InferenceResult, Job, JobLedger } from './pool-jobs.ts';
import type { PrefetchTiming } from './prefetch-timing.ts';
import type { WorkerSlot } from './worker-slot.ts';

export interface DispatchOptions {
  info: ModelInfo;
  /** The supervisor's slots (replaced in place, so this view stays current). */
  slots: readonly WorkerSlot[];
  /** Whether a busy worker may hold a prepared frame. */
  prefetch: boolean;
  /** Most frames in flight (poolCapacity()). */
  capacity: number;
  timing: PrefetchTiming;
  ledger: JobLedger;
}

export class Dispatch {
  readonly #opts: DispatchOptions;
  /** Input tensors back from the workers, reused (bounded: one per frame that can be in flight). */
  readonly #tensors: Float32Array[] = [];
  #nextId = 1;

  constructor(options: DispatchOptions) {
    this.#opts = options;
  }

  /**
   * Converts the frame to the input tensor now (so `frame.data` is free when this returns) and
   * gives it to a worker. Rejects with FrameSizeError or PoolBusyError at once; later with the
   * result, or whatever failed the run (timeout, crash, stop).
   */
  submit(frame: InferenceFrame, options: PostprocessOptions, debug?: InferenceDebug): Promise<InferenceResult> {
    const { inputWidth: width, inputHeight: height } = this.#opts.info;
    const expected = width * height * 3;
    if (frame.data.length !== expected) {
      return Promise.reject(new FrameSizeError(`frame has ${frame.data.length} bytes; model input ${width}x${height} RGB24 needs ${expected}`));
    }
    const slot = this.#slotFor();
    if (!slot) return Promise.reject(new PoolBusyError(this.#opts.capacity));
    const t0 = performance.now();
    const tensor = rgbToNchw(frame.data, width, height, this.#tensors.pop() ?? new Float32Array(expected));
    const prepared = performance.now();
    const preprocessMs = prepared - t0;
    this.#opts.timing.recordPreprocess(preprocessMs);
    return new Promise<InferenceResult>((resolve, reject) => {
      const job: Job = { id: this.#nextId++, tensor, letterbox: frame.letterbox, options, preprocessMs, prepared, started: 0, resolve, reject, ...(debug ? { debug } : {}) };
      slot.take(job);
    });
  }

  /** A live worker's message: its running frame's result (or error), in the order the frames ran. */
  onMessage(slot: WorkerSlot, message: WorkerMessage): void {
    if (message.type !== 'result' && message.type !== 'error') return;
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    clearTimeout(job.timer);
    const returned = performance.now();
    // Before any work on this result: the worker must not wait for the main thread.
    slot.advance();
    const { ledger, info } = this.#opts;
    if (message.type === 'error') {
      ledger.fail(job, message.name === 'FrameSizeError' ? new FrameSizeError(message.message) : new Error(message.message));
      return;
    }
    this.#opts.timing.recordRun(returned - job.started);
    if (message.tensor.length === info.inputWidth * info.inputHeight * 3 && this.#tensors.length < this.#opts.capacity) this.#tensors.push(message.tensor);
    try {
      const detections = postprocess({ data: message.output, dims: message.dims }, info.layout, info.labels, job.letterbox, job.options);
      const done = performance.now();
      const timings = { preprocessMs: job.preprocessMs, queuedMs: job.started - job.prepared, runMs: message.runMs, postprocessMs: done - returned };
      ledger.complete(job, { detections, timings: { ...timings, totalMs: done - job.prepared + job.preprocessMs } });
    } catch (error) {
      ledger.fail(job, error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** An idle worker, else a starting one, else the busy worker expected to finish first that has no frame prepared. */
  #slotFor(): WorkerSlot | undefined {
    const open = this.#opts.slots.filter((s) => s.state !== 'dead');
    const free = open.find((s) => s.state === 'idle' && !s.job) ?? open.find((s) => s.state === 'starting' && !s.job);
    if (free || !this.#opts.prefetch) return free;
    let best: WorkerSlot | undefined;
    for (const slot of open) {
      if (slot.next) continue;
      if (!best || (slot.job?.started || Infinity) < (best.job?.started || Infinity)) best = slot;
    }
    return best;
  }
}
