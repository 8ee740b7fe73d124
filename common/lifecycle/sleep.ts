/**
 * The one abortable sleep (four copies of it used to exist). Resolves after `ms`, or at once when
 * `signal` aborts; never rejects (a stop is not an error for a loop that sleeps), and leaves no
 * timer or listener behind. Callers check `signal.aborted` afterwards. `ms = Infinity` waits for
 * the signal only (a loop parked until it is woken).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms)) : undefined;
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
