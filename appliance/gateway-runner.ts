import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import type { RecentEvents } from '../control/events/recent-events.ts';
import { GatewayProcess } from './gateway-process.ts';

/**
 * The seam between `lookout up` and the gateway process (appliance/gateway-process.ts, the same
 * wiring `lookout gateway` uses): up only needs to start it, read its port and readiness, feed its
 * event ring, and stop or kill it.
 */
export interface RunningGateway {
  /** The bound HTTP port (differs from the config with http.port: 0). */
  readonly port: number;
  /** Recent events; `lookout up` feeds it the detector's JSONL export, and `GET /api/v1/events` answers from it while the detector cannot. */
  readonly recentEvents: RecentEvents<unknown>;
  /** True between a completed start and the beginning of stop (the watchdog's health check). */
  readonly ready: boolean;
  /** Bounded: the gateway within shutdown_timeout, then the control plane flushes. */
  stop(): Promise<void>;
  /** Second-signal path: SIGKILL every pipeline now. */
  kill(): void;
}

/** Starts the gateway process; on a start failure it is stopped before the error is rethrown. */
export async function startGateway(config: LookoutConfig, logger: Logger): Promise<RunningGateway> {
  const gateway = new GatewayProcess(config, logger);
  await gateway.start();
  return gateway;
}
