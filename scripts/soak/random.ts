/**
 * A seeded pseudo-random source (mulberry32) so a soak's fault schedule is reproducible: the seed is
 * printed in the report and `--seed S` replays the same sequence of choices.
 */
export class SeededRandom {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

/** Draws every item once per round, in a seeded random order: every kind gets its turn early. */
export class ShuffleBag<T> {
  #bag: T[] = [];

  constructor(
    readonly items: readonly T[],
    readonly rng: SeededRandom,
  ) {}

  next(): T {
    if (this.#bag.length === 0) {
      this.#bag = [...this.items];
      for (let index = this.#bag.length - 1; index > 0; index--) {
        const other = this.rng.int(0, index);
        [this.#bag[index], this.#bag[other]] = [this.#bag[other] as T, this.#bag[index] as T];
      }
    }
    return this.#bag.pop() as T;
  }
}
