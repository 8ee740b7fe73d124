/**
 * FAKE inference pool for scheduler and service tests: answers after a fixed delay (or never, when
 * `hang` is set) without running a model, and records concurrency. The real pool is exercised by
 * the end-to-end tests; this fake exists so timing and fairness can be asserted exactly.
 */
import type { Detection, Letterbox, PostprocessOptions } from '../model/types.ts';
import type { PoolLike } from '../service.ts';

export class FakeSlowInferencePool implements PoolLike {
  readonly info: { inputWidth: number; inputHeight: number; labels: string[] };
  inFlight = 0;
  maxInFlight = 0;
  calls = 0;
  closed = false;
  /** Resolved inferences, in completion order (tag = first byte of the frame). */
  readonly completed: number[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  hang = false;

  constructor(
    readonly delayMs: number,
    size = 64,
  ) {
    this.info = { inputWidth: size, inputHeight: size, labels: ['person', 'car'] };
  }

  infer(frame: { data: Uint8Array; letterbox: Letterbox }, _options: PostprocessOptions): Promise<Detection[]> {
    if (this.closed) return Promise.reject(new Error('fake pool closed'));
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const tag = frame.data[0] ?? 0;
    if (this.hang) return new Promise<Detection[]>(() => undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.inFlight--;
        this.completed.push(tag);
        const { srcWidth: w, srcHeight: h } = frame.letterbox;
        resolve([{ label: 'person', class: 0, score: 0.9, box: [0, 0, w / 2, h / 2], boxNorm: [0, 0, 0.5, 0.5] }]);
      }, this.delayMs);
      this.#timers.add(timer);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
