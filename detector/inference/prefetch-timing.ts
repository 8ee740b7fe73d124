/**
 * The inference pool's sense of time, and the one place its prefetch policy lives: running
 * estimates of a run (dispatch → result on the main thread), of how far runs stray from that, and
 * of preprocessing; from them, `acceptsIn()` says when the pool wants its next frame. A frame
 * prepared too late leaves the worker waiting for pre- and postprocessing; one prepared too early
 * is staler than it needs to be. So the next frame is wanted about one preprocessing time (plus a
 * margin) before the running one is expected to end.
 */

/**
 * How much earlier than a run's expected end a prepared frame is wanted, beyond preprocessing
 * itself: timer jitter and the message hop, plus twice the runs' mean deviation (a run that ends
 * early would otherwise find nothing prepared and wait for pre- and postprocessing).
 */
const PREFETCH_MARGIN_MS = 2;
const PREFETCH_DEVIATIONS = 2;
/** Weight of the newest sample in the running estimates of run and preprocess time. */
const EWMA_WEIGHT = 0.2;

/** What acceptsIn() reads of one worker (a WorkerSlot). */
export interface SlotTimingView {
  readonly state: 'starting' | 'idle' | 'busy' | 'dead';
  /** The running frame; `started` is when it was posted (performance.now()). */
  readonly job?: { readonly started: number } | undefined;
  /** A frame already prepared for right after the running one. */
  readonly next?: unknown;
}

export class PrefetchTiming {
  /** Dispatch → result on the main thread. */
  #runEstimateMs = 0;
  /** Mean absolute deviation of runs from the estimate. */
  #runDeviationMs = 0;
  #preEstimateMs = 1;

  /** `prefetch`: whether workers hold a prepared frame at all (else acceptsIn only reports idle workers). */
  constructor(private readonly prefetch: boolean) {}

  /** The first estimate of a run: the first worker's warm-up run. */
  seed(warmupMs: number): void {
    this.#runEstimateMs = warmupMs;
  }

  /** One frame was converted to the input tensor in `ms`. */
  recordPreprocess(ms: number): void {
    this.#preEstimateMs += EWMA_WEIGHT * (ms - this.#preEstimateMs);
  }

  /** One run came back `ms` after it was posted. */
  recordRun(ms: number): void {
    const error = ms - this.#runEstimateMs;
    this.#runEstimateMs += EWMA_WEIGHT * error;
    this.#runDeviationMs += EWMA_WEIGHT * (Math.abs(error) - this.#runDeviationMs);
  }

  /**
   * Milliseconds until the pool wants another frame: 0 when a worker has no frame, or when a busy
   * worker's run is expected to end within about one preprocessing time (so its next frame is
   * ready when it ends, and no older than needed); Infinity when every worker has a frame prepared
   * (or, without prefetch, is busy). Dead workers (being replaced) are skipped.
   */
  acceptsIn(slots: Iterable<SlotTimingView>, now = performance.now()): number {
    const lead = this.#preEstimateMs + PREFETCH_MARGIN_MS + PREFETCH_DEVIATIONS * this.#runDeviationMs;
    let soonest = Infinity;
    for (const slot of slots) {
      if (slot.state === 'dead') continue;
      if (!slot.job) return 0;
      if (!this.prefetch || slot.next || slot.state !== 'busy') continue;
      soonest = Math.min(soonest, Math.max(0, slot.job.started + this.#runEstimateMs - lead - now));
    }
    return soonest;
  }
}
