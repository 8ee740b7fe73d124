import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packagePath } from '../../common/package-root.ts';
import { deadline, DeadlineError } from '../../common/lifecycle/deadline.ts';
import { ModelError } from './errors.ts';
import type { WorkerInit, WorkerMessage } from './worker-protocol.ts';
import { currentBundle } from '../../common/build/bundle-check.mjs';

export type ReadyMessage = Extract<WorkerMessage, { type: 'ready' }>;

/** The committed worker bundle's URL when it matches its sources; decided once per process. */
let bootBundle: string | null | undefined;

function workerBundleHref(): string | undefined {
  if (bootBundle === undefined) {
    const found = currentBundle(pathToFileURL(packagePath('detector', 'model', 'dist') + '/'), 'inference-worker.json');
    bootBundle = 'url' in found ? found.url.href : null;
    if ('reason' in found) {
      process.emitWarning(`inference workers run their TypeScript through tsx (~35 MB more each): ${found.reason}; rebuild with: node --import tsx detector/model/worker-bundle.ts`, { code: 'LOOKOUT_WORKER_BUNDLE' });
    }
  }
  return bootBundle ?? undefined;
}

/**
 * Starts one inference worker thread (worker-boot.mjs). Whether it runs the committed bundle or the
 * sources through tsx is decided here, once per process (the sources hashed once, a stale bundle
 * reported once), and handed to the worker.
 */
export function spawnInferenceWorker(init: WorkerInit): Worker {
  return new Worker(packagePath('detector', 'model', 'worker-boot.mjs'), { workerData: { ...init, bootBundle: workerBundleHref() } });
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
