/**
 * The one way to bound a wait. Every wait in Lookout has a deadline (a broker call, a child's
 * exit, a drain); hand-written `Promise.race` + `setTimeout` pairs drifted (timers left running,
 * late rejections unhandled), so they all go through here. A lint rule keeps `Promise.race` inside
 * common/lifecycle/.
 */

/**
 * A bounded wait ran out. `what` names the wait ("mediamtx stop", "MQTT publish"). Its code is the
 * shared error table's `timeout` (504 over HTTP, `timeout` over MQTT/NATS), so every transport maps
 * it without a wrapper of its own.
 */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
  readonly code = 'timeout';
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not finish within ${ms} ms`);
  }
}

export interface DeadlineOptions {
  /** Also give up (rejecting with the signal's reason) when this aborts. */
  signal?: AbortSignal;
}

/**
 * Settles like `work`, or rejects with DeadlineError after `ms` (or with the abort reason when
 * `signal` aborts first). The timer and the abort listener are removed however it ends, and a
 * late rejection of `work` is observed, so nothing dangles and nothing is left unhandled.
 */
export function deadline<T>(work: PromiseLike<T>, ms: number, what: string, options: DeadlineOptions = {}): Promise<T> {
  const { signal } = options;
  const settled = Promise.resolve(work);
  settled.catch(() => {}); // a rejection after the deadline is nobody's to handle
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new DeadlineError(what, ms))), ms);
    const onAbort = () => finish(() => reject(abortReason(signal!)));
    signal?.addEventListener('abort', onAbort, { once: true });
    function finish(settle: () => void) {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    }
    settled.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/**
 * Waits for `work` at most `ms`; resolves true when it settled in time (either way), false when
 * the time ran out. For drains that go on regardless ("wait for the in-flight ones, then cut").
 */
export async function settledWithin(work: PromiseLike<unknown>, ms: number, signal?: AbortSignal): Promise<boolean> {
  const settled = Promise.resolve(work).then(
    () => true,
    () => true,
  );
  try {
    return await deadline(settled, ms, 'wait', signal ? { signal } : {});
  } catch {
    return false; // out of time, or aborted
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason ?? 'aborted'));
}
