/** Every broker call has a deadline: these helpers bound a promise and name what overran. */

/** A broker call did not finish in time. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** A sink cannot take items right now (disconnected, circuit open); the outbox retries later. */
export class SinkUnavailableError extends Error {
  override readonly name = 'SinkUnavailableError';
}

/** Resolves like `work`, or rejects with DeadlineError after `ms`; the timer never outlives the call. */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
