import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import { ControlPlane } from '../control/control-plane.ts';
import type { StreamControl } from '../control/controls.ts';
import type { RecentEvents } from '../control/recent-events.ts';
import { createGatewayService } from '../gateway/create-service.ts';
import type { GatewayService } from '../gateway/service.ts';
import { webRoutes } from '../gateway/web/web-routes.ts';

/**
 * The one seam between `lookout up` and the services other parts own: the gateway (with its
 * mediamtx sidecar, gateway/create-service.ts) in this process, and its control plane in the
 * `gateway` role (pause/resume/restart over MQTT, NATS and HTTP), and the web page with its detector
 * proxy (gateway/web/web-routes.ts).
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

/** Starts the gateway and its control plane; on a start failure both are stopped before rethrowing. */
export async function startGateway(config: LookoutConfig, logger: Logger): Promise<RunningGateway> {
  const holder: { service?: GatewayService } = {};
  const manager = () => {
    if (!holder.service) throw new Error('gateway service is not created yet');
    return holder.service.manager;
  };
  const stream: StreamControl = {
    pause: (id) => manager().pause(id),
    resume: (id) => manager().resume(id),
    restart: (id) => manager().restart(id),
    status: (id) => (id === undefined ? manager().status() : manager().status(id)),
  };
  const control = new ControlPlane({ config, logger: logger.child({ component: 'control' }), stream, role: 'gateway' });
  // The command table, the detector proxy (events, pictures, detect on/off; the ring answers events
  // while the detector cannot), the overview and the web page at `/`.
  const routes = webRoutes({
    config,
    table: control.table,
    ring: control.recent,
    streamStatus: () => manager().status(),
    slots: () => manager().slots(),
    startedAt: Date.now(),
  });
  const service = createGatewayService(config, { logger, routes });
  holder.service = service;
  const stop = async () => {
    await service.stop();
    await control.stop(Math.max(500, Math.floor(config.shutdown_timeout / 2)));
  };
  try {
    await control.start();
    await service.start();
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return {
    port: service.port,
    recentEvents: control.recent as RecentEvents<unknown>,
    get ready() {
      return service.ready;
    },
    stop,
    kill: () => service.kill(),
  };
}
