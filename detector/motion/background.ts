/**
 * Running-average background of the small motion image, and the per-pixel change mask against it.
 * `alpha` is each new frame's weight: at 0.01 and 5 fps the background follows the scene with a
 * time constant of about 20 s, so slow lighting drift is absorbed while a moving object is not.
 * Memory is the two images allocated up front; nothing grows with time.
 */
export class BackgroundModel {
  readonly #background: Float32Array;
  #learnt = false;

  constructor(readonly size: number) {
    this.#background = new Float32Array(size);
  }

  /** Whether a first frame was seen. */
  get learnt(): boolean {
    return this.#learnt;
  }

  /** Bytes held (fixed). */
  get footprintBytes(): number {
    return this.#background.byteLength;
  }

  /**
   * Marks in `changed` (1/0) the pixels whose |frame − background| exceeds `threshold`, skipping
   * `ignore`d ones, and returns how many changed. The very first frame becomes the background and
   * changes nothing.
   */
  diff(frame: Float32Array, threshold: number, ignore: Uint8Array, changed: Uint8Array): number {
    if (!this.#learnt) {
      this.reset(frame);
      changed.fill(0);
      return 0;
    }
    const background = this.#background;
    let count = 0;
    for (let i = 0; i < frame.length; i++) {
      const hit = ignore[i] === 0 && Math.abs(frame[i]! - background[i]!) > threshold ? 1 : 0;
      changed[i] = hit;
      count += hit;
    }
    return count;
  }

  /** Blends `frame` into the background with weight `alpha` (0..1). */
  update(frame: Float32Array, alpha: number): void {
    const background = this.#background;
    const keep = 1 - alpha;
    for (let i = 0; i < frame.length; i++) background[i] = background[i]! * keep + frame[i]! * alpha;
  }

  /** Forgets the past: `frame` is the background from now on. */
  reset(frame: Float32Array): void {
    this.#background.set(frame);
    this.#learnt = true;
  }
}
