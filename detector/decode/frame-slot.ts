/**
 * Latest-frame slot for one camera: holds at most one unprocessed frame. A new frame replaces the
 * waiting one (latest wins; the replaced frame is counted in `skipped`), so a slow detector sees the
 * newest picture instead of a growing backlog. Overflow policy: drop the older frame.
 */
export class FrameSlot<T> {
  #frame: T | undefined;
  #skipped = 0;
  #offered = 0;

  /** Puts a frame in the slot; returns the unprocessed frame it replaced (dropped), if any. */
  offer(frame: T): T | undefined {
    this.#offered++;
    const dropped = this.#frame;
    if (dropped !== undefined) this.#skipped++;
    this.#frame = frame;
    return dropped;
  }

  /** Takes the waiting frame, leaving the slot empty. */
  take(): T | undefined {
    const frame = this.#frame;
    this.#frame = undefined;
    return frame;
  }

  /** Empties the slot without counting a skip (pause, shutdown). */
  clear(): void {
    this.#frame = undefined;
  }

  get waiting(): boolean {
    return this.#frame !== undefined;
  }

  /** Frames replaced before they were processed. */
  get skipped(): number {
    return this.#skipped;
  }

  get offered(): number {
    return this.#offered;
  }
}
