/** How the detector shares the machine's cores between onnxruntime and everything else. */
import { availableParallelism } from 'node:os';

/**
 * `threads: auto`: one core is left for the decoders, the gateway's ffmpeg children and mediamtx
 * (on 2 cores an onnxruntime using both would have every decoded frame and every pre/postprocess
 * taken out of its own run time); the rest is split over the workers, at most 4 each (onnxruntime's
 * gain per thread flattens beyond that for YOLO-sized models).
 */
export function autoThreads(workers: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(4, Math.floor((cores - 1) / Math.max(1, workers))));
}

/** Whether preparing frames ahead can overlap with inference: a core is left over for it. */
export function prefetchHelps(workers: number, threads: number, cores = availableParallelism()): boolean {
  return workers * threads < cores;
}
