/**
 * Restart pacing for every restart loop (pipelines, the mediamtx sidecar, the detector child, decoders,
 * inference workers, the outbox): exponential delays with jitter, capped, and reset once a run
 * stayed up for `resetAfterMs` (a camera that flapped an hour ago should restart fast today).
 * Jitter keeps cameras that failed together (a switch reboot) from restarting in lockstep.
 */

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
  /** Injectable for tests; defaults to Math.random. */
  random?: () => number;
}

export class Backoff {
  #attempt = 0;
  readonly #random: () => number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new RangeError(`backoff needs 0 < initialMs <= maxMs, got initialMs=${options.initialMs} maxMs=${options.maxMs}`);
    }
    this.#random = options.random ?? Math.random;
  }

  /** Failures since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /**
   * Delay before the next start, given how long the run that just ended was up (ms; 0 if it never
   * confirmed). "Equal jitter": half the exponential step is fixed, half is random.
   */
  next(ranMs = 0): number {
    if (ranMs >= this.options.resetAfterMs) this.#attempt = 0;
    const step = Math.min(this.options.maxMs, this.options.initialMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.round(step / 2 + (this.#random() * step) / 2);
  }

  /** Forget past failures (an explicit start by an operator). */
  reset(): void {
    this.#attempt = 0;
  }
}
