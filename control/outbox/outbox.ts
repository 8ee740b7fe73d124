/**
 * Durable outbox for must-deliver items (detection events): `enqueue()` returns at once, the item
 * goes to a bounded memory window and is appended to the disk log in the background (AppendLog,
 * append-log.ts); each sink delivers in seq order from its own cursor (SinkDelivery,
 * sink-delivery.ts), at least once, with the item's stable id so receivers can de-duplicate. A
 * failing sink is retried with backoff behind its circuit breaker and never blocks the producer or
 * the other sinks. The disk log is bounded: past `disk_bytes` the overflow policy drops the oldest
 * segment or refuses new items; both are counted and logged. Cursors are persisted
 * (cursors.ts), so a restart resumes where each sink stopped.
 *
 * This file is the public face and the lifecycle (common/lifecycle/service-state.ts): `start()`
 * recovers the disk log, `stop()` is memoized (concurrent callers share the one drain), `closed`;
 * `open`/`close` are the older names, kept for the control plane.
 */
import { settledWithin } from '../../common/lifecycle/deadline.ts';
import { ServiceState } from '../../common/lifecycle/service-state.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import type { Logger } from '../../common/log.ts';
import { AppendLog } from './append-log.ts';
import { resumeCursor, saveChangedCursors } from './cursors.ts';
import { SegmentStore, type FsyncPolicy, type OutboxRecord } from './segments.ts';
import { SinkDelivery, type SinkOptions } from './sink-delivery.ts';

export type { OutboxRecord, SinkOptions };

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

export class Outbox {
  readonly store: SegmentStore;
  readonly #log: AppendLog;
  readonly #sinks = new Map<string, SinkDelivery>();
  readonly #state: ServiceState;
  #cursorTimer: NodeJS.Timeout | undefined;

  constructor(readonly options: OutboxOptions) {
    const fsync = options.fsync ?? 'interval';
    this.store = new SegmentStore(options.dir, options.segmentBytes ?? 4 * 1024 * 1024, fsync);
    this.#state = new ServiceState(`outbox ${options.dir}`);
    this.#log = new AppendLog(
      this.store,
      { logger: options.logger, memoryItems: options.memoryItems, diskBytes: options.diskBytes, overflow: options.overflow, fsync, fsyncIntervalMs: options.fsyncIntervalMs ?? 1000 },
      {
        minAcked: () => this.#minAcked(),
        dropped: (lastSeq) => {
          for (const sink of this.#sinks.values()) sink.skipThrough(lastSeq);
        },
      },
    );
  }

  /** Items enqueued, refused or dropped by the overflow policy, and failed disk appends, since start. */
  get stats(): { readonly enqueued: number; readonly overflowDropped: number; readonly writeErrors: number } {
    return this.#log.stats;
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
    this.#log.recover();
    this.#cursorTimer = setInterval(() => this.#saveCursors(), 500);
    this.#cursorTimer.unref();
    this.#state.started();
  }

  /** Highest seq appended to the disk log: everything up to it survives a crash (fsync policy permitting). */
  get persistedThrough(): number {
    return this.#log.writtenThrough;
  }

  /** Items held in the memory window (bounded by memoryItems plus items still being written). */
  get memorySize(): number {
    return this.#log.memorySize;
  }

  /** Items enqueued but not yet acknowledged by the slowest sink. */
  get backlog(): number {
    return this.#log.lastSeq - Math.min(this.#log.lastSeq, this.#minAcked());
  }

  sinkStats(name: string): { acked: number; delivered: number; failures: number } | undefined {
    const sink = this.#sinks.get(name);
    return sink ? { acked: sink.acked, delivered: sink.delivered, failures: sink.failures } : undefined;
  }

  /** Adds a sink and starts its delivery loop from its persisted cursor (replaying the disk log). */
  addSink(options: SinkOptions): void {
    const acked = resumeCursor(this.options.dir, options.name, this.store.firstSeq, this.#log.lastSeq);
    const pacing = {
      retryInitialMs: this.options.retryInitialMs ?? 250,
      retryMaxMs: this.options.retryMaxMs ?? 5000,
      sendTimeoutMs: this.options.sendTimeoutMs ?? 10_000,
    };
    const sink = new SinkDelivery(options, acked, this.#log, pacing, this.options.logger, this.#state.signal);
    this.#sinks.set(options.name, sink);
    sink.start();
  }

  /**
   * Never blocks: assigns a seq, keeps the item in memory and schedules the disk append.
   * Returns false when the `drop-newest` overflow policy refused it (counted and logged).
   */
  enqueue(kind: string, id: string, data: unknown): boolean {
    if (this.#state.stopRequested) return false;
    if (!this.#log.append(kind, id, data)) return false;
    for (const sink of this.#sinks.values()) sink.wake();
    return true;
  }

  /** Retry now (e.g. the sink's transport just reconnected). */
  kick(name?: string): void {
    for (const sink of this.#sinks.values()) if (!name || sink.name === name) sink.kick();
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
    this.#log.stopSyncing();
    clearInterval(this.#cursorTimer);
    for (const sink of this.#sinks.values()) sink.wake();
    await settledWithin(Promise.all([...this.#sinks.values()].map((sink) => sink.loop)), loopDeadlineMs);
    await this.#log.drainWrites();
    this.#saveCursors();
    await this.#log.deleteThrough(this.#minAcked());
    await this.#log.close();
  }

  /** The lowest cursor over all sinks; Infinity when there is none. */
  #minAcked(): number {
    let min = Infinity;
    for (const sink of this.#sinks.values()) min = Math.min(min, sink.acked);
    return min;
  }

  /** Persists moved cursors, then deletes the segments every sink is past (not during the drain: it does both itself). */
  #saveCursors(): void {
    const changed = saveChangedCursors(this.options.dir, this.#sinks.values(), this.options.logger);
    if (changed && !this.#state.stopRequested) void this.#log.deleteThrough(this.#minAcked()).catch(() => undefined);
  }
}
