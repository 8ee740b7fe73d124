/**
 * The outbox's write side, kept apart from delivery so `enqueue()` never waits for the disk: it
 * assigns seqs, holds the newest items in a bounded memory window (sinks read there first) and
 * appends them to the disk log (SegmentStore) in the background, in batches. Store mutations
 * (append, drop, delete, close) run one at a time through one chain, so a segment is never deleted
 * under an append. The disk bound lives here too: past `diskBytes` the overflow policy refuses the
 * new item (`drop-newest`) or deletes the oldest segment (`drop-oldest`); both are counted and
 * logged at most every 5 s. Under `fsync: interval` a timer syncs the active segment.
 * A failed append (disk full) gives nothing up: the batch goes back to the head of the queue, is
 * tried again every WRITE_RETRY_MS, and its items stay in memory meanwhile (trimMemory keeps what is
 * neither on disk nor delivered everywhere), so a sink that is down then still gets them. Bounded:
 * past UNWRITTEN_MAX_BYTES new items are refused (counted, logged) whatever the overflow policy.
 */
import type { Logger } from '../../common/log.ts';
import { encodeRecord, type FsyncPolicy, type OutboxRecord, type SegmentStore } from './segments.ts';

/** The pause before a failed append is tried again, and the most bytes that wait for the disk. */
export const WRITE_RETRY_MS = 1000;
const UNWRITTEN_MAX_BYTES = 16 * 1024 * 1024;

export interface AppendLogOptions {
  logger: Logger;
  memoryItems: number;
  diskBytes: number;
  overflow: 'drop-oldest' | 'drop-newest';
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
}

/** What the write side needs to know about (and tell) the sinks. */
export interface AppendLogSinks {
  /** The lowest seq acknowledged by every sink (Infinity when there is no sink). */
  minAcked(): number;
  /** The oldest segment was dropped: every sink must skip past `lastSeq`. */
  dropped(lastSeq: number): void;
}

export class AppendLog {
  readonly stats = { enqueued: 0, overflowDropped: 0, writeErrors: 0 };
  #nextSeq = 1;
  #memory: OutboxRecord[] = [];
  #pending: OutboxRecord[] = [];
  #pendingBytes = 0;
  /** Bytes of the batch being appended right now (not yet in store.totalBytes). */
  #writingBytes = 0;
  #writing: Promise<void> | undefined;
  /** Highest seq appended to disk. */
  #writtenThrough = 0;
  /** Set while a failed batch waits for its next attempt. */
  #retryTimer: NodeJS.Timeout | undefined;
  /** True from a failed append until an append succeeds again (one log line each way). */
  #failing = false;
  #storeChain: Promise<unknown> = Promise.resolve();
  #fsyncTimer: NodeJS.Timeout | undefined;
  #lastOverflowLog = 0;
  #dropping = false;

  constructor(
    readonly store: SegmentStore,
    readonly options: AppendLogOptions,
    private readonly sinks: AppendLogSinks,
  ) {}

  /** Recovery at open: reads the disk log back, continues its seqs and starts the fsync timer. */
  recover(): void {
    const { logger } = this.options;
    const maxSeq = this.store.recover();
    this.#nextSeq = maxSeq + 1;
    this.#writtenThrough = maxSeq;
    if (this.store.tornLines > 0) logger.warn({ lines: this.store.tornLines }, 'outbox: skipped torn lines on recovery');
    if (maxSeq > 0) logger.info({ maxSeq, segments: this.store.segmentCount }, 'outbox: recovered items from disk');
    if (this.options.fsync === 'interval') {
      this.#fsyncTimer = setInterval(() => void this.store.sync().catch(() => undefined), this.options.fsyncIntervalMs);
      this.#fsyncTimer.unref();
    }
  }

  /** The highest seq handed out so far (0 before the first item). */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** Highest seq appended to the disk log. */
  get writtenThrough(): number {
    return this.#writtenThrough;
  }

  get memorySize(): number {
    return this.#memory.length;
  }

  /** The seq of the oldest item still in the memory window. */
  get memoryFirstSeq(): number | undefined {
    return this.#memory[0]?.seq;
  }

  /** The item at `seq` if it is in the memory window (call with seq ≥ memoryFirstSeq). */
  fromMemory(seq: number): OutboxRecord | undefined {
    const first = this.#memory[0]?.seq;
    return first === undefined || seq < first ? undefined : this.#memory[seq - first];
  }

  /**
   * Never blocks: assigns a seq, keeps the item in memory and schedules the disk append. Returns
   * undefined when the `drop-newest` overflow policy refused it (counted and logged).
   */
  append(kind: string, id: string, data: unknown): OutboxRecord | undefined {
    const record: OutboxRecord = { seq: this.#nextSeq, id, kind, data };
    const bytes = Buffer.byteLength(encodeRecord(record));
    if (this.#pendingBytes + bytes > UNWRITTEN_MAX_BYTES) {
      this.#overflow(1, `the disk refuses writes and ${UNWRITTEN_MAX_BYTES} bytes wait in memory: refused a new item`);
      return undefined;
    }
    if (this.#diskBytesSoon + bytes > this.options.diskBytes) {
      if (this.options.overflow === 'drop-newest') {
        this.#overflow(1, 'drop-newest: refused a new item');
        return undefined;
      }
      if (!this.#dropping) void this.#dropOldest();
    }
    this.#nextSeq++;
    this.stats.enqueued++;
    this.#memory.push(record);
    this.#pending.push(record);
    this.#pendingBytes += bytes;
    this.#scheduleWrite();
    return record;
  }

  /** Keeps the memory window at `memoryItems`, never dropping an item that is not on disk yet. */
  trimMemory(): void {
    const minAcked = this.sinks.minAcked();
    while (this.#memory.length > 0) {
      const head = this.#memory[0] as OutboxRecord;
      const acked = head.seq <= minAcked;
      const over = this.#memory.length > this.options.memoryItems;
      if (!(acked || over)) break;
      if (head.seq > this.#writtenThrough && !acked) break;
      this.#memory.shift();
    }
  }

  /** Stops the fsync timer (first step of the outbox's drain). */
  stopSyncing(): void {
    clearInterval(this.#fsyncTimer);
  }

  /** Resolves once everything enqueued is appended, or a last attempt failed (then logged). */
  async drainWrites(): Promise<void> {
    for (let attempt = 0; attempt < 2 && (this.#writing || this.#pending.length > 0); attempt++) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      this.#scheduleWrite();
      while (this.#writing) await this.#writing;
    }
    clearTimeout(this.#retryTimer);
    if (this.#pending.length > 0) this.options.logger.error({ items: this.#pending.length, firstSeq: this.#pending[0]?.seq }, 'outbox: stopping while the disk refuses writes; these items were never on disk');
  }

  /** Deletes the segments every sink has acknowledged. */
  async deleteThrough(acked: number): Promise<void> {
    if (Number.isFinite(acked)) await this.#serial(() => this.store.deleteThrough(acked));
  }

  /** Closes the store after whatever mutation is still queued. */
  close(): Promise<void> {
    return this.#serial(() => this.store.close());
  }

  #scheduleWrite(): void {
    if (this.#writing || this.#retryTimer) return;
    this.#writing = (async () => {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        const bytes = this.#pendingBytes;
        this.#pendingBytes = 0;
        this.#writingBytes = bytes;
        try {
          await this.#serial(() => this.store.append(batch));
        } catch (error) {
          this.#writeFailed(batch, bytes, error as Error);
          break;
        } finally {
          this.#writingBytes = 0;
        }
        if (this.#failing) {
          this.#failing = false;
          this.options.logger.info({ through: (batch[batch.length - 1] as OutboxRecord).seq }, 'outbox: disk appends work again');
        }
        this.#writtenThrough = (batch[batch.length - 1] as OutboxRecord).seq;
      }
      this.#writing = undefined;
      this.trimMemory();
    })();
  }

  /** The batch goes back to the head of the queue (still in memory) and is tried again later. */
  #writeFailed(batch: OutboxRecord[], bytes: number, error: Error): void {
    this.stats.writeErrors++;
    this.#pending = [...batch, ...this.#pending];
    this.#pendingBytes += bytes;
    if (!this.#failing) {
      this.#failing = true;
      this.options.logger.error({ err: error.message, items: this.#pending.length }, `outbox: disk append failed; the items wait in memory and the append is retried every ${WRITE_RETRY_MS} ms`);
    }
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#scheduleWrite();
    }, WRITE_RETRY_MS);
    this.#retryTimer.unref();
  }

  /**
   * Drops oldest segments until the log is back under `diskBytes` (items enqueued while a drop was
   * in flight count too), keeping at least the newest segment. One drop runs at a time.
   */
  async #dropOldest(): Promise<void> {
    this.#dropping = true;
    try {
      do {
        const dropped = await this.#serial(() => this.store.dropOldest());
        if (!dropped) return;
        const count = Math.max(0, dropped.lastSeq - dropped.firstSeq + 1);
        this.sinks.dropped(Math.min(dropped.lastSeq, this.lastSeq));
        this.#memory = this.#memory.filter((record) => record.seq > dropped.lastSeq);
        this.#overflow(count, 'drop-oldest: deleted the oldest segment');
      } while (this.store.segmentCount > 1 && this.#diskBytesSoon > this.options.diskBytes);
    } finally {
      this.#dropping = false;
    }
  }

  /** What the log will hold once everything enqueued so far is appended. */
  get #diskBytesSoon(): number {
    return this.store.totalBytes + this.#writingBytes + this.#pendingBytes;
  }

  #overflow(count: number, what: string): void {
    this.stats.overflowDropped += count;
    const now = Date.now();
    if (now - this.#lastOverflowLog > 5000) {
      this.#lastOverflowLog = now;
      this.options.logger.warn({ dropped: this.stats.overflowDropped, diskBytes: this.options.diskBytes }, `outbox full: ${what}`);
    }
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#storeChain.then(operation, operation);
    this.#storeChain = result.catch(() => undefined);
    return result;
  }
}
