import { Worker } from 'node:worker_threads';
import { ModelError } from './errors.ts';
import type { WorkerInit, WorkerMessage } from './worker-protocol.ts';

export type ReadyMessage = Extract<WorkerMessage, { type: 'ready' }>;

/** Starts one inference worker thread (through the tsx bootstrap, see worker-boot.mjs). */
export function spawnInferenceWorker(init: WorkerInit): Worker {
  return new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: init });
}

/**
 * Resolves with the worker's `ready` message; rejects (ModelError) on its init error, an early
 * exit or crash, or when it has not loaded the model within `timeoutMs`. Removes its listeners either way.
 */
export function awaitReady(worker: Worker, timeoutMs: number): Promise<ReadyMessage> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === 'ready') {
        done();
        resolve(message);
      } else if (message.type === 'init-error') {
        done();
        reject(new ModelError(message.message));
      }
    };
    const onError = (error: Error): void => {
      done();
      reject(new ModelError(`inference worker failed while loading: ${error.message}`));
    };
    const onExit = (code: number): void => {
      done();
      reject(new ModelError(`inference worker exited with code ${code} while loading`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new ModelError(`inference worker did not load the model within ${timeoutMs} ms`));
    }, timeoutMs);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
