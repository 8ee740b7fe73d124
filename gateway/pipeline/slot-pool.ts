/**
 * The hard limit on concurrent publish pipelines, as a pool of leases.
 *
 * The seed incident was a hand-kept "2/2 pipelines" counter that drifted and refused every client.
 * Here nothing is counted by hand: `inUse` is the size of the live lease set, a lease leaves the set
 * only through its own idempotent `release()`, and the pipeline holds its lease from before spawn
 * until the child's exit is observed (or spawn failed, or the stop timed out).
 */

/** One slot, held by `owner` (a camera id) until released. */
export interface Lease {
  readonly owner: string;
  /** Monotonic id, for logs and tests. */
  readonly id: number;
  readonly released: boolean;
  /** Frees the slot. Idempotent: only the first call has an effect. */
  release(): void;
}

/** Thrown by `acquire()` when its signal aborts or the pool closes while waiting. */
export class SlotWaitAbortedError extends Error {
  override name = 'SlotWaitAbortedError';
  constructor(owner: string, reason: string, options?: ErrorOptions) {
    super(`slot wait for "${owner}" ended: ${reason}`, options);
  }
}

interface Waiter {
  owner: string;
  grant(lease: Lease): void;
  fail(error: Error): void;
}

class PoolLease implements Lease {
  #released = false;
  constructor(
    readonly owner: string,
    readonly id: number,
    private readonly onRelease: (lease: PoolLease) => void,
  ) {}

  get released(): boolean {
    return this.#released;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.onRelease(this);
  }
}

export class SlotPool {
  readonly limit: number;
  readonly #leases = new Set<PoolLease>();
  readonly #waiters: Waiter[] = [];
  #nextId = 1;
  #closed: string | undefined;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`SlotPool limit must be an integer >= 1, got ${String(limit)}`);
    this.limit = limit;
  }

  /** Slots held right now: the size of the live lease set, never a separate counter. */
  get inUse(): number {
    return this.#leases.size;
  }

  /** Owners waiting for a slot, first in line first. */
  get waiting(): string[] {
    return this.#waiters.map((waiter) => waiter.owner);
  }

  /** Owners of the live leases (for status and tests). */
  holders(): string[] {
    return [...this.#leases].map((lease) => lease.owner);
  }

  /** Takes a free slot now, or returns undefined (explicit starts refuse at once at the limit). */
  tryAcquire(owner: string): Lease | undefined {
    if (this.#closed !== undefined || this.#leases.size >= this.limit || this.#waiters.length > 0) return undefined;
    return this.#grant(owner);
  }

  /** Waits in FIFO order for a slot. An aborted waiter leaves the queue and rejects. */
  acquire(owner: string, signal?: AbortSignal): Promise<Lease> {
    if (this.#closed !== undefined) return Promise.reject(new SlotWaitAbortedError(owner, this.#closed));
    if (signal?.aborted) return Promise.reject(new SlotWaitAbortedError(owner, 'aborted', { cause: signal.reason }));
    const immediate = this.tryAcquire(owner);
    if (immediate) return Promise.resolve(immediate);
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = () => {
        this.#removeWaiter(waiter);
        reject(new SlotWaitAbortedError(owner, 'aborted', { cause: signal?.reason }));
      };
      const waiter: Waiter = {
        owner,
        grant: (lease) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(lease);
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Stops intake: every waiter rejects, later acquires fail. Live leases stay until released. */
  close(reason = 'slot pool closed'): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason;
    for (const waiter of this.#waiters.splice(0)) waiter.fail(new SlotWaitAbortedError(waiter.owner, reason));
  }

  #grant(owner: string): Lease {
    const lease = new PoolLease(owner, this.#nextId++, (released) => this.#onRelease(released));
    this.#leases.add(lease);
    return lease;
  }

  #onRelease(lease: PoolLease): void {
    this.#leases.delete(lease);
    while (this.#closed === undefined && this.#leases.size < this.limit) {
      const next = this.#waiters.shift();
      if (!next) break;
      next.grant(this.#grant(next.owner));
    }
  }

  #removeWaiter(waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter);
    if (index >= 0) this.#waiters.splice(index, 1);
  }
}
