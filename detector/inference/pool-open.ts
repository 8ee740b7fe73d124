/**
 * Opening the model for an inference pool: the first worker opens it alone and finds out what
 * every later and replacement worker reuses (execution providers after any fallback, the output
 * layout, the labels), so they skip the provider probe and the layout guess. A failure leaves no
 * worker behind.
 */
import { settledWithin } from '../../common/lifecycle/deadline.ts';
import type { Logger } from '../../common/log.ts';
import { modelLabels } from '../model/labels.ts';
import { awaitReady, type ReadyMessage } from '../model/worker-spawn.ts';
import type { ModelInfo, OutputLayout } from '../model/types.ts';
import type { WorkerInit } from '../model/worker-protocol.ts';
import { DEFAULT_START_TIMEOUT_MS, type InferencePoolOptions } from './pool-options.ts';
import { EXIT_WAIT_MS, retireWorker, spawnWorker, type SpawnedWorker } from './worker-slot.ts';

export interface FirstWorker {
  /** The worker that opened the model: ready and idle, to become slot 0. */
  first: SpawnedWorker;
  ready: ReadyMessage;
  /** Labels from the file or the model's metadata, if any. */
  labels: string[] | undefined;
  /** What it was started with. */
  init: WorkerInit;
}

/**
 * Opens the model in one worker. Rejects (ModelError) when it cannot be opened in time; the worker
 * has then been retired and its exit waited for (bounded).
 */
export async function openFirstWorker(opts: InferencePoolOptions): Promise<FirstWorker> {
  const labels = await modelLabels(opts.modelPath, opts.labelsFile);
  const init: WorkerInit = {
    modelPath: opts.modelPath,
    threads: opts.threads,
    providers: opts.providers ?? ['cpu'],
    ...(labels ? { labels } : {}),
    ...(opts.layout ? { layout: opts.layout } : {}),
  };
  const first = spawnWorker(init);
  try {
    const ready = await awaitReady(first.worker, opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    return { first, ready, labels, init };
  } catch (error) {
    first.worker.on('error', () => {});
    await dismissWorker(first);
    throw error;
  }
}

/** Retires a worker that no slot holds; resolves when it has left (at once, or when a native call returns; bounded all the same). */
export async function dismissWorker(spawned: SpawnedWorker): Promise<void> {
  retireWorker(spawned.worker);
  await settledWithin(spawned.exited, EXIT_WAIT_MS);
}

/**
 * What the first worker found, for the pool and for the other workers (which reuse it: no second
 * provider probe or layout guess). Warns about a CPU fallback and a label count that does not
 * match the model's classes.
 */
export function modelFindings(opts: InferencePoolOptions, log: Logger, { ready, labels, init }: FirstWorker): { info: ModelInfo; init: WorkerInit } {
  if (ready.fallbackReason) log.warn({ model: opts.modelPath, reason: ready.fallbackReason }, 'execution provider fallback to cpu');
  if (labels && ready.layout !== 'end2end' && classCount(ready.outputDims, ready.layout) !== labels.length) {
    log.warn({ model: opts.modelPath, labels: labels.length, classes: classCount(ready.outputDims, ready.layout) }, 'label count differs from model classes');
  }
  const info: ModelInfo = {
    path: opts.modelPath,
    inputName: ready.inputName,
    inputWidth: ready.inputWidth,
    inputHeight: ready.inputHeight,
    layout: ready.layout,
    labels: ready.labels,
    providers: ready.providers,
  };
  return { info, init: { ...init, providers: ready.providers, labels: ready.labels, layout: ready.layout } };
}

/** Classes the output tensor has room for (0 for end2end graphs, whose output carries class ids). */
function classCount(dims: number[], layout: OutputLayout): number {
  const a = dims[dims.length - 2] ?? 0;
  const b = dims[dims.length - 1] ?? 0;
  return layout === 'yolov8' ? a - 4 : layout === 'yolov5' ? b - 5 : 0;
}
