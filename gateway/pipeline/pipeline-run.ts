import type { PipelineAttempt } from './pipeline-attempt.ts';

/**
 * Bookkeeping of one run (a camera's restart loop): its abort controller, the live attempt, and the
 * callers waiting for "publishing confirmed". A waiter is settled by the next confirmation or the
 * next failed attempt, whichever comes first, or by its own abort signal.
 */

interface ConfirmWaiter {
  resolve(): void;
  reject(error: Error): void;
}

export class PipelineRun {
  readonly abort = new AbortController();
  attempt: PipelineAttempt | undefined;
  done: Promise<void> = Promise.resolve();
  readonly #waiters = new Set<ConfirmWaiter>();

  waitConfirmed(signal?: AbortSignal): Promise<void> {
    if (this.attempt?.confirmed && this.attempt.child.running) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(toError(signal.reason));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiters.delete(waiter);
        reject(toError(signal?.reason));
      };
      const waiter: ConfirmWaiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  confirm(): void {
    for (const waiter of this.#take()) waiter.resolve();
  }

  fail(error: Error): void {
    for (const waiter of this.#take()) waiter.reject(error);
  }

  #take(): ConfirmWaiter[] {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    return waiters;
  }
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason ?? 'aborted'));
}
