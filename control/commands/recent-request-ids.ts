/**
 * Remembers the request keys seen in the last `windowMs` so a request delivered twice (overlapping
 * subscriptions, a QoS 1 redelivery, a client that re-sends the same id) runs once. Bounded: at most
 * `maxEntries` keys; past that the oldest key is forgotten early (overflow policy: evict oldest, so
 * memory stays bounded and only very old repeats can slip through). Keys expire in arrival order, so
 * pruning is a walk from the front of the Map (insertion order).
 */
export interface RecentRequestIdsOptions {
  /** How long a key counts as seen (default 60 s). */
  windowMs?: number;
  /** Bound on remembered keys (default 4096). */
  maxEntries?: number;
  /** Clock in ms (tests pass their own). */
  now?: () => number;
}

export class RecentRequestIds {
  readonly windowMs: number;
  readonly maxEntries: number;
  /** Keys forgotten before their window ended because the bound was reached. */
  evicted = 0;
  readonly #expires = new Map<string, number>();
  readonly #now: () => number;

  constructor(options: RecentRequestIdsOptions = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 4096;
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#expires.size;
  }

  /** True the first time `key` is seen within the window; false for a repeat (which is not re-armed). */
  admit(key: string): boolean {
    const now = this.#now();
    this.#prune(now);
    if (this.#expires.has(key)) return false;
    this.#expires.set(key, now + this.windowMs);
    while (this.#expires.size > this.maxEntries) {
      const oldest = this.#expires.keys().next().value as string;
      this.#expires.delete(oldest);
      this.evicted++;
    }
    return true;
  }

  #prune(now: number): void {
    for (const [key, expires] of this.#expires) {
      if (expires > now) return;
      this.#expires.delete(key);
    }
  }
}

/**
 * A dedupe key: the reply address (`scope`) plus whatever identifies the request there, the
 * caller's `id` and/or a per-request `correlation` (MQTT 5 correlation data, a NATS reply inbox).
 * Undefined when neither is present: such a request cannot be told from a new one and always runs.
 */
export function requestKey(scope: string, id: string | number | undefined, correlation?: string): string | undefined {
  if (id === undefined && correlation === undefined) return undefined;
  return JSON.stringify([scope, correlation ?? null, id ?? null]);
}
