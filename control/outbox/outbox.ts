/**
 * Durable outbox for must-deliver items (detection events): `enqueue()` returns at once, the item
 * goes to a bounded memory window and is appended to the disk log (SegmentStore) in the background;
 * each sink delivers in seq order from its own cursor (memory first, disk past the memory window),
 * at least once, with the item's stable id so receivers can de-duplicate. A failing sink is retried
 * with backoff behind its circuit breaker and never blocks the producer or the other sinks.
 * The disk log is bounded: past `disk_bytes` the overflow policy drops the oldest segment or
 * refuses new items; both are counted and logged. Cursors are persisted, so a restart resumes.
 * Retry pacing is the shared Backoff (common/lifecycle: doubling with jitter, capped), reset by a
 * success or a kick. Lifecycle (common/lifecycle/service-state.ts): `start()` recovers the disk log,
 * `stop()` is memoized (concurrent callers share the one drain), `closed`; `open`/`close` are the
 * older names, kept for the control plane.
 */
import { Backoff } from '../../common/lifecycle/backoff.ts';
import { deadline, settledWithin } from '../../common/lifecycle/deadline.ts';
import { ServiceState } from '../../common/lifecycle/service-state.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import type { Logger } from '../../common/log.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { loadCursor, saveCursor } from './outbox-cursors.ts';
import { SegmentStore, encodeRecord, type FsyncPolicy, type OutboxRecord } from './outbox-segments.ts';

export type { OutboxRecord };

export interface OutboxOptions {
  dir: string;
  logger: Logger;
  memoryItems: number;
  diskBytes: number;
  overflow: 'drop-oldest' | 'drop-newest';
  segmentBytes?: number;
  fsync?: FsyncPolicy;
  fsyncIntervalMs?: number;
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Guard deadline around one sink send (sinks also apply their own publish deadline). */
  sendTimeoutMs?: number;
}

export interface SinkOptions {
  name: string;
  send(record: OutboxRecord): Promise<void>;
  breaker: CircuitBreaker;
  /** Kinds this sink takes; others are acknowledged without sending. */
  kinds?: readonly string[];
}

interface SinkState {
  options: SinkOptions;
  acked: number;
  savedAcked: number;
  readAhead: OutboxRecord[];
  retry: Backoff;
  /** Aborted to wake the loop from its sleep (new item, kick, close). */
  wake: AbortController | undefined;
  loop: Promise<void> | undefined;
  delivered: number;
  failures: number;
}

export class Outbox {
  readonly store: SegmentStore;
  readonly stats = { enqueued: 0, overflowDropped: 0, writeErrors: 0 };
  #nextSeq = 1;
  #memory: OutboxRecord[] = [];
  #pending: OutboxRecord[] = [];
  #writing: Promise<void> | undefined;
  #pendingBytes = 0;
  /** Highest seq appended to disk (or given up on after a write error). */
  #writtenThrough = 0;
  /** Store mutations (append, drop, delete) run one at a time. */
  #storeChain: Promise<unknown> = Promise.resolve();
  readonly #sinks = new Map<string, SinkState>();
  readonly #state: ServiceState;
  #fsyncTimer: NodeJS.Timeout | undefined;
  #cursorTimer: NodeJS.Timeout | undefined;
  #lastOverflowLog = 0;
  #dropping = false;

  constructor(readonly options: OutboxOptions) {
    this.store = new SegmentStore(options.dir, options.segmentBytes ?? 4 * 1024 * 1024, options.fsync ?? 'interval');
    this.#state = new ServiceState(`outbox ${options.dir}`);
  }

  get #closed(): boolean {
    return this.#state.stopRequested;
  }

  /** Resolves once stop() has drained (everything on disk, cursors saved, store closed). */
  get closed(): Promise<void> {
    return this.#state.closed;
  }

  /** Older name of start(). */
  open(): void {
    this.start();
  }

  /** Recovers the disk log; must be called before enqueue/addSink. Once; refused after stop(). */
  start(): void {
    this.#state.beginStart();
    const maxSeq = this.store.recover();
    this.#nextSeq = maxSeq + 1;
    this.#writtenThrough = maxSeq;
    if (this.store.tornLines > 0) this.options.logger.warn({ lines: this.store.tornLines }, 'outbox: skipped torn lines on recovery');
    if (maxSeq > 0) this.options.logger.info({ maxSeq, segments: this.store.segmentCount }, 'outbox: recovered items from disk');
    if ((this.options.fsync ?? 'interval') === 'interval') {
      this.#fsyncTimer = setInterval(() => void this.store.sync().catch(() => undefined), this.options.fsyncIntervalMs ?? 1000);
      this.#fsyncTimer.unref();
    }
    this.#cursorTimer = setInterval(() => this.#saveCursors(), 500);
    this.#cursorTimer.unref();
    this.#state.started();
  }

  /** Highest seq appended to the disk log: everything up to it survives a crash (fsync policy permitting). */
  get persistedThrough(): number {
    return this.#writtenThrough;
  }

  /** Items held in the memory window (bounded by memoryItems plus items still being written). */
  get memorySize(): number {
    return this.#memory.length;
  }

  /** Items enqueued but not yet acknowledged by the slowest sink. */
  get backlog(): number {
    let min = this.#nextSeq - 1;
    for (const sink of this.#sinks.values()) min = Math.min(min, sink.acked);
    return this.#nextSeq - 1 - min;
  }

  sinkStats(name: string): { acked: number; delivered: number; failures: number } | undefined {
    const sink = this.#sinks.get(name);
    return sink ? { acked: sink.acked, delivered: sink.delivered, failures: sink.failures } : undefined;
  }

  /** Adds a sink and starts its delivery loop from its persisted cursor. */
  addSink(options: SinkOptions): void {
    const acked = this.#loadCursor(options.name);
    const sink: SinkState = {
      options,
      acked,
      savedAcked: acked,
      readAhead: [],
      retry: new Backoff({ initialMs: this.options.retryInitialMs ?? 250, maxMs: Math.max(this.options.retryMaxMs ?? 5000, this.options.retryInitialMs ?? 250), resetAfterMs: Infinity }),
      wake: undefined,
      loop: undefined,
      delivered: 0,
      failures: 0,
    };
    this.#sinks.set(options.name, sink);
    sink.loop = this.#run(sink);
  }

  /**
   * Never blocks: assigns a seq, keeps the item in memory and schedules the disk append.
   * Returns false when the `drop-newest` overflow policy refused it (counted and logged).
   */
  enqueue(kind: string, id: string, data: unknown): boolean {
    if (this.#closed) return false;
    const record: OutboxRecord = { seq: this.#nextSeq, id, kind, data };
    const bytes = Buffer.byteLength(encodeRecord(record));
    if (this.store.totalBytes + this.#pendingBytes + bytes > this.options.diskBytes) {
      if (this.options.overflow === 'drop-newest') {
        this.#overflow(1, 'drop-newest: refused a new item');
        return false;
      }
      if (!this.#dropping) void this.#dropOldest();
    }
    this.#nextSeq++;
    this.stats.enqueued++;
    this.#memory.push(record);
    this.#pending.push(record);
    this.#pendingBytes += bytes;
    this.#scheduleWrite();
    for (const sink of this.#sinks.values()) this.#wake(sink);
    return true;
  }

  /** Retry now (e.g. the sink's transport just reconnected). */
  kick(name?: string): void {
    for (const sink of this.#sinks.values()) {
      if (name && sink.options.name !== name) continue;
      sink.options.breaker.reset();
      sink.retry.reset();
      this.#wake(sink);
    }
  }

  /** Waits until every sink has acknowledged everything, or the deadline; true if fully drained. */
  async flush(deadlineMs: number): Promise<boolean> {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      if (this.backlog === 0) return true;
      await sleep(20);
    }
    return this.backlog === 0;
  }

  /**
   * Stops the sink loops, writes everything to disk and saves cursors. An in-flight send ends by its
   * own deadline; close waits for it at most `loopDeadlineMs` (an item acked later is simply sent
   * again after the next start).
   */
  close(loopDeadlineMs = 3000): Promise<void> {
    return this.stop(loopDeadlineMs);
  }

  /** See close(); memoized: a second call (any deadline) gets the first call's promise. */
  stop(loopDeadlineMs = 3000): Promise<void> {
    return this.#state.stop(() => this.#drain(loopDeadlineMs));
  }

  async #drain(loopDeadlineMs: number): Promise<void> {
    clearInterval(this.#fsyncTimer);
    clearInterval(this.#cursorTimer);
    for (const sink of this.#sinks.values()) this.#wake(sink);
    await settledWithin(Promise.all([...this.#sinks.values()].map((sink) => sink.loop)), loopDeadlineMs);
    await this.#drainWrites();
    this.#saveCursors();
    await this.#gc();
    await this.#serial(() => this.store.close());
  }

  async #run(sink: SinkState): Promise<void> {
    const { logger } = this.options;
    const { breaker } = sink.options;
    while (!this.#closed) {
      const seq = sink.acked + 1;
      if (seq >= this.#nextSeq) {
        await this.#sleep(sink);
        continue;
      }
      if (!breaker.allow()) {
        await this.#sleep(sink, Math.max(breaker.retryInMs, 50));
        continue;
      }
      const record = await this.#get(sink, seq);
      if (!record) {
        sink.acked = Math.max(sink.acked, seq);
        continue;
      }
      if (sink.options.kinds && !sink.options.kinds.includes(record.kind)) {
        breaker.success();
        sink.acked = seq;
        continue;
      }
      try {
        await deadline(sink.options.send(record), this.options.sendTimeoutMs ?? 10_000, `outbox sink ${sink.options.name}`);
        breaker.success();
        sink.acked = seq;
        sink.delivered++;
        sink.retry.reset();
        if (sink.readAhead[0]?.seq === seq) sink.readAhead.shift();
        this.#trimMemory();
      } catch (error) {
        breaker.failure();
        sink.failures++;
        if (sink.failures === 1 || sink.failures % 100 === 0) {
          logger.warn({ sink: sink.options.name, err: (error as Error).message, failures: sink.failures, breaker: breaker.state }, 'outbox: delivery failed; will retry');
        }
        await this.#sleep(sink, sink.retry.next());
      }
    }
  }

  /** The record at `seq`: from memory if still there, else from disk (read ahead in batches). */
  async #get(sink: SinkState, seq: number): Promise<OutboxRecord | undefined> {
    const memoryFirst = this.#memory[0]?.seq;
    if (memoryFirst !== undefined && seq >= memoryFirst) return this.#memory[seq - memoryFirst];
    while (sink.readAhead.length > 0 && (sink.readAhead[0] as OutboxRecord).seq < seq) sink.readAhead.shift();
    if (sink.readAhead[0]?.seq !== seq) sink.readAhead = await this.store.readFrom(seq, 256);
    const found = sink.readAhead[0];
    if (found?.seq === seq) return found;
    // Not on disk (dropped by overflow, or a torn line): skip forward to what exists.
    if (found && found.seq > seq) sink.acked = found.seq - 1;
    else if (memoryFirst !== undefined) sink.acked = memoryFirst - 1;
    return undefined;
  }

  /** Parks the sink's loop for `ms` (or until woken when undefined); #wake() ends it early. */
  async #sleep(sink: SinkState, ms = Infinity): Promise<void> {
    if (this.#closed) return;
    const wake = new AbortController();
    sink.wake = wake;
    await sleep(ms, wake.signal);
    if (sink.wake === wake) sink.wake = undefined;
  }

  #wake(sink: SinkState): void {
    sink.wake?.abort();
  }

  #scheduleWrite(): void {
    if (this.#writing) return;
    this.#writing = (async () => {
      while (this.#pending.length > 0) {
        const batch = this.#pending;
        this.#pending = [];
        const bytes = this.#pendingBytes;
        this.#pendingBytes = 0;
        try {
          await this.#serial(() => this.store.append(batch));
        } catch (error) {
          this.stats.writeErrors++;
          this.options.logger.error({ err: (error as Error).message, items: batch.length, bytes }, 'outbox: disk append failed; items stay in memory only');
        }
        this.#writtenThrough = (batch[batch.length - 1] as OutboxRecord).seq;
      }
      this.#writing = undefined;
      this.#trimMemory();
    })();
  }

  async #drainWrites(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** Keeps the memory window at `memoryItems`, never dropping an item that is not on disk yet. */
  #trimMemory(): void {
    let minAcked = Infinity;
    for (const sink of this.#sinks.values()) minAcked = Math.min(minAcked, sink.acked);
    while (this.#memory.length > 0) {
      const head = this.#memory[0] as OutboxRecord;
      const acked = head.seq <= minAcked;
      const over = this.#memory.length > this.options.memoryItems;
      if (!(acked || over)) break;
      if (head.seq > this.#writtenThrough && !acked) break;
      this.#memory.shift();
    }
  }

  async #dropOldest(): Promise<void> {
    this.#dropping = true;
    const dropped = await this.#serial(() => this.store.dropOldest()).finally(() => {
      this.#dropping = false;
    });
    if (!dropped) return;
    const count = Math.max(0, dropped.lastSeq - dropped.firstSeq + 1);
    for (const sink of this.#sinks.values()) {
      sink.acked = Math.max(sink.acked, Math.min(dropped.lastSeq, this.#nextSeq - 1));
      sink.readAhead = [];
    }
    this.#memory = this.#memory.filter((record) => record.seq > dropped.lastSeq);
    this.#overflow(count, 'drop-oldest: deleted the oldest segment');
  }

  #overflow(count: number, what: string): void {
    this.stats.overflowDropped += count;
    const now = Date.now();
    if (now - this.#lastOverflowLog > 5000) {
      this.#lastOverflowLog = now;
      this.options.logger.warn({ dropped: this.stats.overflowDropped, diskBytes: this.options.diskBytes }, `outbox full: ${what}`);
    }
  }

  async #gc(): Promise<void> {
    let min = Infinity;
    for (const sink of this.#sinks.values()) min = Math.min(min, sink.acked);
    if (Number.isFinite(min)) await this.#serial(() => this.store.deleteThrough(min));
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#storeChain.then(operation, operation);
    this.#storeChain = result.catch(() => undefined);
    return result;
  }

  #loadCursor(name: string): number {
    const saved = loadCursor(this.options.dir, name);
    if (saved !== undefined) return Math.min(saved, this.#nextSeq - 1);
    // No cursor yet: deliver everything on disk.
    const first = this.store.firstSeq;
    return first === undefined ? this.#nextSeq - 1 : first - 1;
  }

  #saveCursors(): void {
    let changed = false;
    for (const [name, sink] of this.#sinks) {
      if (sink.acked === sink.savedAcked) continue;
      try {
        saveCursor(this.options.dir, name, sink.acked);
        sink.savedAcked = sink.acked;
        changed = true;
      } catch (error) {
        this.options.logger.warn({ err: (error as Error).message, sink: name }, 'outbox: cannot save cursor');
      }
    }
    if (changed && !this.#closed) void this.#gc().catch(() => undefined);
  }
}
