/**
 * The one lifecycle every long-lived service shares: an inert constructor, `start()` once,
 * `stop()` memoized (every caller, concurrent or late, gets the same promise, which settles only
 * after the real drain), a `closed` promise, and a start after stop refused with a named error.
 *
 * A service owns one `ServiceState` and delegates to it:
 *
 *   start(): const signal = this.#state.beginStart(); …work, checking `signal`…; this.#state.started();
 *   stop():  return this.#state.stop(() => this.#drain());
 *   closed:  this.#state.closed
 *
 * A drain that reports something (`ServiceState<{ drained: boolean }>`) hands it to every stop()
 * caller through the same memoized promise, so the service keeps no second memo beside this one.
 *
 * `signal` aborts the moment stop begins, so a start still in progress (or a restart loop's
 * backoff) can give up at once instead of racing the drain.
 */

export type ServicePhase = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** start() after stop() (or during it): a stopped service never comes back; build a new one. */
export class ServiceStoppedError extends Error {
  override readonly name = 'ServiceStoppedError';
  readonly code = 'service_stopped';
  constructor(readonly service: string) {
    super(`${service} is stopped (or stopping) and cannot be started again`);
  }
}

/** start() called twice: a service starts once. */
export class ServiceAlreadyStartedError extends Error {
  override readonly name = 'ServiceAlreadyStartedError';
  readonly code = 'service_already_started';
  constructor(readonly service: string) {
    super(`${service} was already started`);
  }
}

export class ServiceState<Result = void> {
  #phase: ServicePhase = 'idle';
  #stopping: Promise<Result> | undefined;
  readonly #abort = new AbortController();
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;

  /** `what` names the service in errors ("mediamtx sidecar", "outbox /var/lib/…"). */
  constructor(readonly what: string) {
    this.#closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  get phase(): ServicePhase {
    return this.#phase;
  }

  /** True from the first stop() call on. */
  get stopRequested(): boolean {
    return this.#stopping !== undefined;
  }

  /** Aborted when stop() begins: pass it to waits inside start() and to restart loops. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Resolves once stop()'s drain has finished (successfully or not); never rejects. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /**
   * Call first thing in start(). Throws ServiceStoppedError after stop, ServiceAlreadyStartedError
   * on a second start; otherwise moves to 'starting' and returns the stop signal.
   */
  beginStart(): AbortSignal {
    if (this.#stopping) throw new ServiceStoppedError(this.what);
    if (this.#phase !== 'idle') throw new ServiceAlreadyStartedError(this.what);
    this.#phase = 'starting';
    return this.#abort.signal;
  }

  /** Call when start() has finished its work. Throws ServiceStoppedError if stop began meanwhile. */
  started(): void {
    if (this.#stopping) throw new ServiceStoppedError(this.what);
    this.#phase = 'running';
  }

  /** Throws ServiceStoppedError once stop has begun (for calls that must not run during a drain). */
  assertNotStopped(): void {
    if (this.#stopping) throw new ServiceStoppedError(this.what);
  }

  /**
   * Runs `drain` exactly once, however many times and however concurrently stop() is called; every
   * caller gets the same promise, settled with the drain's result. A service that was never
   * started still runs its drain (it may hold resources from its constructor) and ends 'stopped'.
   */
  stop(drain: () => Promise<Result>): Promise<Result> {
    if (this.#stopping) return this.#stopping;
    this.#phase = 'stopping';
    this.#abort.abort(new ServiceStoppedError(this.what));
    this.#stopping = (async () => {
      try {
        return await drain();
      } finally {
        this.#phase = 'stopped';
        this.#resolveClosed();
      }
    })();
    return this.#stopping;
  }
}
