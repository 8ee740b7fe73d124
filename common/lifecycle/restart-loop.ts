/**
 * The one restart loop: start → wait for the lifetime to end (exit, failure, or stop) → back off
 * (exponential, jitter, cap, reset after a stable run: backoff.ts) → start again, until the signal
 * aborts or a lifetime says it is the last. Used by pipelines, the mediamtx sidecar, `lookout up`'s
 * detector child and the decoders (the inference pool's event-driven worker restarts and the
 * outbox's retries use its Backoff and sleep directly); they used to carry five loops with three
 * backoff styles.
 *
 * The loop owns only pacing and counting; what a lifetime is (spawn a child, wait for a slot, open
 * a worker) stays with the caller's `run`, which must end promptly when `signal` aborts. A stop
 * during the backoff returns at once and starts nothing.
 */
import { Backoff, type BackoffOptions } from './backoff.ts';
import { sleep } from './sleep.ts';

/** How one lifetime ended: go again (after backoff) for `reason`, or end the loop. */
export type LifetimeOutcome<Reason extends string> =
  | { restart: Reason; /** How long it ran stable (ms; 0 if it never confirmed): resets the backoff. */ ranMs: number }
  | { end: true };

export interface BackoffEvent<Reason extends string> {
  reason: Reason;
  delayMs: number;
  ranMs: number;
  /** Failures since the last reset (1 = first). */
  attempt: number;
}

export interface RestartLoopOptions<Reason extends string> {
  /** Pacing, or an existing Backoff (when the owner also resets it, e.g. on an operator restart). */
  backoff: BackoffOptions | Backoff;
  /** Ends the loop: the running lifetime is expected to end, a backoff is cut short. */
  signal: AbortSignal;
  /** One lifetime. `start` is 1 for the first. Throwing ends the loop with that error. */
  run(signal: AbortSignal, start: number): Promise<LifetimeOutcome<Reason>>;
  /** Told before each backoff sleep (log, state, metrics). */
  onBackoff?(event: BackoffEvent<Reason>): void;
}

export class RestartLoop<Reason extends string = string> {
  readonly backoff: Backoff;
  readonly #options: RestartLoopOptions<Reason>;
  readonly #restarts = new Map<Reason, number>();
  #starts = 0;
  #done: Promise<void> | undefined;

  constructor(options: RestartLoopOptions<Reason>) {
    this.#options = options;
    this.backoff = options.backoff instanceof Backoff ? options.backoff : new Backoff(options.backoff);
  }

  /** Lifetimes started so far. */
  get starts(): number {
    return this.#starts;
  }

  /** Restarts so far, by reason (from real lifetimes that ended). */
  get restarts(): ReadonlyMap<Reason, number> {
    return this.#restarts;
  }

  get totalRestarts(): number {
    let total = 0;
    for (const count of this.#restarts.values()) total += count;
    return total;
  }

  /** Runs the loop (once; later calls get the same promise). Resolves when it has ended. */
  run(): Promise<void> {
    this.#done ??= this.#loop();
    return this.#done;
  }

  async #loop(): Promise<void> {
    const { signal } = this.#options;
    while (!signal.aborted) {
      this.#starts++;
      const outcome = await this.#options.run(signal, this.#starts);
      if ('end' in outcome || signal.aborted) return;
      this.#restarts.set(outcome.restart, (this.#restarts.get(outcome.restart) ?? 0) + 1);
      const delayMs = this.backoff.next(outcome.ranMs);
      this.#options.onBackoff?.({ reason: outcome.restart, delayMs, ranMs: outcome.ranMs, attempt: this.backoff.attempt });
      await sleep(delayMs, signal);
    }
  }
}
