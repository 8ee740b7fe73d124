/**
 * One sink's delivery loop, one per sink so a failing sink never holds up the producer or the
 * others: it sends in seq order from its own cursor (`acked`), reading from the memory window first
 * and from the disk log past it (read ahead in batches), at least once, with the item's stable id.
 * A failed send is retried, paced by the shared Backoff (doubling with jitter, capped; reset by a
 * success or a kick), behind the sink's circuit breaker. Each send is bounded by a guard deadline on
 * top of the sink's own. The loop parks while there is nothing to send and is woken by a new item,
 * a kick or the outbox's stop.
 */
import { Backoff } from '../../common/lifecycle/backoff.ts';
import { deadline } from '../../common/lifecycle/deadline.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import type { Logger } from '../../common/log.ts';
import type { AppendLog } from './append-log.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { OutboxRecord } from './segments.ts';

export interface SinkOptions {
  name: string;
  send(record: OutboxRecord): Promise<void>;
  breaker: CircuitBreaker;
  /** Kinds this sink takes; others are acknowledged without sending. */
  kinds?: readonly string[];
}

export interface DeliveryPacing {
  retryInitialMs: number;
  retryMaxMs: number;
  /** Guard deadline around one send (sinks also apply their own publish deadline). */
  sendTimeoutMs: number;
}

export class SinkDelivery {
  /** Highest seq this sink has acknowledged (or skipped: other kind, dropped, torn). */
  acked: number;
  /** The `acked` last written to the sink's cursor file. */
  savedAcked: number;
  delivered = 0;
  failures = 0;
  #readAhead: OutboxRecord[] = [];
  readonly #retry: Backoff;
  /** Aborted to wake the loop from its sleep (new item, kick, stop). */
  #wake: AbortController | undefined;
  #loop: Promise<void> = Promise.resolve();

  constructor(
    readonly options: SinkOptions,
    acked: number,
    private readonly log: AppendLog,
    private readonly pacing: DeliveryPacing,
    private readonly logger: Logger,
    /** The outbox's stop signal: the loop ends once it aborts. */
    private readonly stop: AbortSignal,
  ) {
    this.acked = acked;
    this.savedAcked = acked;
    this.#retry = new Backoff({ initialMs: pacing.retryInitialMs, maxMs: Math.max(pacing.retryMaxMs, pacing.retryInitialMs), resetAfterMs: Infinity });
  }

  get name(): string {
    return this.options.name;
  }

  /** Settles when the loop has ended (after the stop signal, once an in-flight send is over). */
  get loop(): Promise<void> {
    return this.#loop;
  }

  start(): void {
    this.#loop = this.#run();
  }

  /** Ends the loop's current sleep early. */
  wake(): void {
    this.#wake?.abort();
  }

  /** Retry now (e.g. the sink's transport just reconnected): resets breaker and backoff. */
  kick(): void {
    this.options.breaker.reset();
    this.#retry.reset();
    this.wake();
  }

  /** Items through `seq` are gone (overflow dropped their segment): skip past them. */
  skipThrough(seq: number): void {
    this.acked = Math.max(this.acked, seq);
    this.#readAhead = [];
  }

  async #run(): Promise<void> {
    const { breaker } = this.options;
    while (!this.stop.aborted) {
      const seq = this.acked + 1;
      if (seq > this.log.lastSeq) {
        await this.#sleep();
        continue;
      }
      if (!breaker.allow()) {
        await this.#sleep(Math.max(breaker.retryInMs, 50));
        continue;
      }
      const record = await this.#get(seq);
      if (!record) {
        this.acked = Math.max(this.acked, seq);
        continue;
      }
      if (this.options.kinds && !this.options.kinds.includes(record.kind)) {
        breaker.success();
        this.acked = seq;
        continue;
      }
      try {
        await deadline(this.options.send(record), this.pacing.sendTimeoutMs, `outbox sink ${this.name}`);
        breaker.success();
        this.acked = seq;
        this.delivered++;
        this.#retry.reset();
        if (this.#readAhead[0]?.seq === seq) this.#readAhead.shift();
        this.log.trimMemory();
      } catch (error) {
        breaker.failure();
        this.failures++;
        if (this.failures === 1 || this.failures % 100 === 0) {
          this.logger.warn({ sink: this.name, err: (error as Error).message, failures: this.failures, breaker: breaker.state }, 'outbox: delivery failed; will retry');
        }
        await this.#sleep(this.#retry.next());
      }
    }
  }

  /** The record at `seq`: from memory if still there, else from disk (read ahead in batches). */
  async #get(seq: number): Promise<OutboxRecord | undefined> {
    const memoryFirst = this.log.memoryFirstSeq;
    if (memoryFirst !== undefined && seq >= memoryFirst) return this.log.fromMemory(seq);
    while (this.#readAhead.length > 0 && (this.#readAhead[0] as OutboxRecord).seq < seq) this.#readAhead.shift();
    if (this.#readAhead[0]?.seq !== seq) this.#readAhead = await this.log.store.readFrom(seq, 256);
    const found = this.#readAhead[0];
    if (found?.seq === seq) return found;
    // Not on disk (dropped by overflow, or a torn line): skip forward to what exists.
    if (found && found.seq > seq) this.acked = found.seq - 1;
    else if (memoryFirst !== undefined) this.acked = memoryFirst - 1;
    return undefined;
  }

  /** Parks the loop for `ms` (or until woken when Infinity); wake() ends it early. */
  async #sleep(ms = Infinity): Promise<void> {
    if (this.stop.aborted) return;
    const wake = new AbortController();
    this.#wake = wake;
    await sleep(ms, wake.signal);
    if (this.#wake === wake) this.#wake = undefined;
  }
}
