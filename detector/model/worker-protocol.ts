/** Messages between the InferencePool (main thread) and its inference workers. */
import type { OutputLayout } from './types.ts';
import type { ProviderName } from './session.ts';

/** Passed as `workerData`: everything a worker needs to open its session. */
export interface WorkerInit {
  modelPath: string;
  threads: number;
  providers: ProviderName[];
  /** Labels from a file or metadata; undefined → numbered from the output shape. */
  labels?: string[];
  /** Known after the first worker started; replacements reuse it. */
  layout?: OutputLayout;
}

/** Test-only knobs that make a worker slow or crash, to prove timeouts and replacement. */
export interface InferenceDebug {
  /** Wait this long (asynchronously) before running. */
  delayMs?: number;
  /** Throw an uncaught error instead of running. */
  crash?: boolean;
}

/**
 * One session.run: the input tensor (float32 NCHW, already preprocessed by the pool on the main
 * thread) is transferred, not copied, and comes back with the result so the pool can reuse it.
 */
export interface InferRequest {
  type: 'infer';
  id: number;
  tensor: Float32Array;
  debug?: InferenceDebug;
}

/**
 * Asks a worker to exit on its own: at once when it is not inside `session.run`, else as soon as
 * the run returns (its result is dropped). The pool never calls `worker.terminate()` on a worker that
 * may be inside a run: tearing a worker down while onnxruntime-node's native run is on its stack
 * aborts the whole process (`terminate called after throwing an instance of 'Napi::Error'`).
 */
export interface RetireRequest {
  type: 'retire';
}

/** What the pool posts to a worker. */
export type WorkerRequest = InferRequest | RetireRequest;

/** Where one inference's time went, in milliseconds. */
export interface InferenceTimings {
  /** RGB24 → float32 NCHW on the main thread, while the worker may still run the previous frame. */
  preprocessMs: number;
  /** Held prepared on the main thread until its worker finished the frame before it. */
  queuedMs: number;
  /** session.run inside the worker. */
  runMs: number;
  /** Decode, thresholds, NMS and letterbox undo on the main thread. */
  postprocessMs: number;
}

export type WorkerMessage =
  | {
      type: 'ready';
      /** The warm-up run's duration: the pool's first estimate of a run. */
      warmupMs: number;
      inputName: string;
      inputWidth: number;
      inputHeight: number;
      outputDims: number[];
      layout: OutputLayout;
      labels: string[];
      providers: ProviderName[];
      fallbackReason?: string;
    }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; output: Float32Array; dims: number[]; tensor: Float32Array; runMs: number }
  | { type: 'error'; id: number; name: string; message: string };
