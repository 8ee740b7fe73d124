/**
 * Per-sink circuit breaker: closed → open after `failureThreshold` consecutive failures → half-open
 * after `cooldownMs` (exactly one probe allowed) → closed on the probe's success, open again on its
 * failure. Unlike the breaker in seed 004 it always probes again, so it cannot stay open forever.
 * The state is exported as the `lookout_sink_circuit_state` gauge (0 closed, 1 half-open, 2 open).
 */
import { Gauge, type Registry } from 'prom-client';

export type CircuitState = 'closed' | 'open' | 'half-open';

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

export interface CircuitBreakerOptions {
  name: string;
  failureThreshold?: number;
  cooldownMs?: number;
  now?: () => number;
  gauge?: Gauge<'sink'>;
}

/** Creates (or reuses) the breaker gauge in a registry. */
export function circuitGauge(registry: Registry): Gauge<'sink'> {
  const existing = registry.getSingleMetric('lookout_sink_circuit_state');
  if (existing) return existing as Gauge<'sink'>;
  return new Gauge({
    name: 'lookout_sink_circuit_state',
    help: 'Circuit breaker state per output sink: 0 closed, 1 half-open, 2 open',
    labelNames: ['sink'],
    registers: [registry],
  });
}

export class CircuitBreaker {
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #probing = false;
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;

  constructor(readonly options: CircuitBreakerOptions) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#cooldownMs = options.cooldownMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#report();
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#cooldownMs) this.#set('half-open');
    return this.#state;
  }

  /** Milliseconds until an open breaker lets a probe through (0 if it would now). */
  get retryInMs(): number {
    if (this.#state !== 'open') return 0;
    return Math.max(0, this.#cooldownMs - (this.#now() - this.#openedAt));
  }

  /** True if a call may go through now; in half-open only one probe is let through at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  success(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#set('closed');
  }

  failure(): void {
    this.#probing = false;
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.#threshold) {
      this.#openedAt = this.#now();
      this.#set('open');
    }
  }

  /** Forget failures (e.g. the transport just reconnected) so the next call is tried at once. */
  reset(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#set('closed');
  }

  #set(state: CircuitState): void {
    this.#state = state;
    this.#report();
  }

  #report(): void {
    this.options.gauge?.set({ sink: this.options.name }, STATE_VALUE[this.#state]);
  }
}
