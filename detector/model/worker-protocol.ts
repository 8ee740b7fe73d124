/** Messages between the InferencePool (main thread) and its inference workers. */
import type { Detection, Letterbox, OutputLayout, PostprocessOptions } from './types.ts';
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

export interface InferRequest {
  type: 'infer';
  id: number;
  data: Uint8Array;
  letterbox: Letterbox;
  options: PostprocessOptions;
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

/** Milliseconds spent in each step inside the worker. */
export interface InferenceTimings {
  preprocessMs: number;
  runMs: number;
  postprocessMs: number;
}

export type WorkerMessage =
  | {
      type: 'ready';
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
  | { type: 'result'; id: number; detections: Detection[]; timings: InferenceTimings }
  | { type: 'error'; id: number; name: string; message: string };
