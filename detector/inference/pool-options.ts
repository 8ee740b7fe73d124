/**
 * What an InferencePool is built from, checked at the boundary: a bad option is a RangeError
 * naming the field before anything starts. Its own file so the pool's parts (opening the model,
 * supervising workers, dispatch) can share the type without importing the pool itself.
 */
import type { Logger } from '../../common/log.ts';
import type { ProviderName } from '../model/session.ts';
import type { OutputLayout } from '../model/types.ts';

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
   * Prepare each worker's next frame while it runs (see inference-pool.ts). Default: only when
   * workers × threads leave a core free; when onnxruntime already keeps every core busy, the main
   * thread's pre/postprocessing would only slow the run down, so frames go one at a time.
   */
  prefetch?: boolean;
}

/** Default deadline for a worker to open its session. */
export const DEFAULT_START_TIMEOUT_MS = 60_000;

/** Most frames in flight at once: one per worker, plus one prepared per worker when prefetching. */
export function poolCapacity(workers: number, prefetch: boolean): number {
  return (prefetch ? 2 : 1) * workers;
}

/** Throws a RangeError naming the first bad field. */
export function validatePoolOptions(opts: InferencePoolOptions): void {
  const intAtLeast = (name: string, value: number, min: number): void => {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`InferencePool: ${name} must be an integer ≥ ${min}, got ${value}`);
  };
  intAtLeast('workers', opts.workers, 1);
  intAtLeast('threads', opts.threads, 1);
  if (!(opts.timeoutMs > 0)) throw new RangeError(`InferencePool: timeoutMs must be > 0, got ${opts.timeoutMs}`);
  if (!opts.modelPath) throw new RangeError('InferencePool: modelPath is required');
}
