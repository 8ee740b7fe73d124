/** A bounded ring of the most recent events for `GET /api/v1/events` (oldest overwritten first). */
export class RecentEvents<T> {
  readonly #items: T[] = [];
  #next = 0;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.#items.length < this.capacity) this.#items.push(item);
    else this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Newest first, at most `limit`. */
  latest(limit: number): T[] {
    const ordered = this.#items.length < this.capacity ? [...this.#items] : [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
    return ordered.reverse().slice(0, Math.max(0, limit));
  }

  get size(): number {
    return this.#items.length;
  }
}
