/**
 * One pino JSON line every `intervalMs` (default 30 s) saying the gateway is alive and what it is
 * doing: slots in use / limit, how many cameras are in each state, and the restarts since the last
 * line (by reason). A log reader can tell "quiet and healthy" from "dead" without scraping metrics.
 */
import type { Logger } from '../common/log.ts';
import type { GatewaySnapshot } from './metrics.ts';

export interface HeartbeatOptions {
  intervalMs: number;
  logger: Logger;
  snapshot: () => GatewaySnapshot;
}

export interface HeartbeatLine {
  slots: { inUse: number; limit: number };
  children: number;
  states: Record<string, number>;
  restarts: number;
  restartsByReason: Record<string, number>;
}

export class Heartbeat {
  #timer: NodeJS.Timeout | undefined;
  #restarts = new Map<string, number>();

  constructor(private readonly options: HeartbeatOptions) {}

  /** Counts a restart into the current interval. */
  noteRestart(reason: string): void {
    this.#restarts.set(reason, (this.#restarts.get(reason) ?? 0) + 1);
  }

  /** Builds the next line and starts a new interval (restart counts go back to zero). */
  take(): HeartbeatLine {
    const snapshot = this.options.snapshot();
    const states: Record<string, number> = {};
    for (const camera of snapshot.cameras) states[camera.state] = (states[camera.state] ?? 0) + 1;
    const restartsByReason = Object.fromEntries(this.#restarts);
    const restarts = [...this.#restarts.values()].reduce((sum, count) => sum + count, 0);
    this.#restarts = new Map();
    return { slots: snapshot.slots, children: snapshot.children, states, restarts, restartsByReason };
  }

  beat(): void {
    this.options.logger.info({ heartbeat: this.take() }, 'heartbeat');
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.beat(), this.options.intervalMs);
    // The heartbeat must never be the thing keeping a stopping process alive.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
