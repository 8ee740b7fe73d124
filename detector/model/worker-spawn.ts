import { Worker } from 'node:worker_threads';
import { deadline, DeadlineError } from '../../common/lifecycle/deadline.ts';
import { ModelError } from './errors.ts';
import type { WorkerInit, WorkerMessage } from './worker-protocol.ts';

export type ReadyMessage = Extract<WorkerMessage, { type: 'ready' }>;

/** Starts one inference worker thread (through the tsx bootstrap, see worker-boot.mjs). */
export function spawnInferenceWorker(init: WorkerInit): Worker {
  return new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: init });
}

/**
 * Resolves with the worker's `ready` message; rejects (ModelError) on its init error, an early
 * exit or crash, or when it has not loaded the model within `timeoutMs` (the shared deadline()).
 * Removes its listeners either way.
 */
export async function awaitReady(worker: Worker, timeoutMs: number): Promise<ReadyMessage> {
  let detach = (): void => {};
  const loaded = new Promise<ReadyMessage>((resolve, reject) => {
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'init-error') reject(new ModelError(message.message));
    };
    const onError = (error: Error): void => reject(new ModelError(`inference worker failed while loading: ${error.message}`));
    const onExit = (code: number): void => reject(new ModelError(`inference worker exited with code ${code} while loading`));
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    detach = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
  });
  try {
    return await deadline(loaded, timeoutMs, 'inference worker model load');
  } catch (error) {
    throw error instanceof DeadlineError ? new ModelError(`inference worker did not load the model within ${timeoutMs} ms`) : error;
  } finally {
    detach();
  }
}
