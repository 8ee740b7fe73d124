import { createHmac, randomBytes } from 'node:crypto';

/**
 * Remembers recently verified viewer credentials so a viewer costs one scrypt per `ttlMs`, not one
 * per request: mediamtx asks the auth endpoint on every RTSP DESCRIBE and SETUP and on HLS
 * requests, and one scrypt (N=16384) costs ~100 ms of CPU on a loaded Pi-class core.
 *
 * Entries are keyed by an HMAC with a per-process random key, so the map holds no password and a
 * lookup's timing says nothing about stored credentials. Only successes are cached; bounded in
 * size (oldest evicted first) and in time.
 */
export class VerifiedCache {
  readonly #key = randomBytes(32);
  readonly #entries = new Map<string, number>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 256,
    private readonly now: () => number = Date.now,
  ) {}

  #id(user: string, password: string, scope: string): string {
    return createHmac('sha256', this.#key).update(`${scope}\u0000${user}\u0000${password}`).digest('base64');
  }

  has(user: string, password: string, scope: string): boolean {
    const id = this.#id(user, password, scope);
    const expires = this.#entries.get(id);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.#entries.delete(id);
      return false;
    }
    return true;
  }

  add(user: string, password: string, scope: string): void {
    const id = this.#id(user, password, scope);
    this.#entries.delete(id);
    this.#entries.set(id, this.now() + this.ttlMs);
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
