/**
 * The one wiring point of the gateway process, used by `lookout gateway` and `lookout up`: the
 * gateway service (with its mediamtx sidecar when enabled), its control plane in the `gateway` role
 * (the command table behind HTTP, MQTT, NATS and `/api/v1/commands`; stream states from the
 * pipeline manager's events, nothing else), and the web page with its detector proxy.
 *
 * Construction is complete and inert: the service builds its pipeline manager in its constructor
 * and hands it to the control plane here, so nothing is bound late. Start order: the gateway first
 * (probe ffmpeg, sidecar, bind HTTP, start pipelines), then the control plane connects and
 * announces (`online`, retained states). A start that fails (HTTP port taken) therefore announces
 * nothing it would have to retract. Stop: the gateway within `shutdown_timeout`, then the control
 * plane flushes and says `stopped`; memoized.
 */
import type { LookoutConfig } from '../common/config/schema.ts';
import { ServiceState } from '../common/lifecycle/service-state.ts';
import type { Logger } from '../common/log.ts';
import { ControlPlane } from '../control/control-plane.ts';
import { commandRoutes } from '../control/commands/http-commands.ts';
import type { RecentEvents } from '../control/events/recent-events.ts';
import { createGatewayService } from '../gateway/create-service.ts';
import type { GatewayService } from '../gateway/service.ts';
import { webRoutes } from '../gateway/web/web-routes.ts';

export interface GatewayProcessOptions {
  env?: NodeJS.ProcessEnv;
  /** Broker connect wait / reconnect period (tests shorten them). */
  connectWaitMs?: number;
  reconnectMs?: number;
}

export class GatewayProcess {
  readonly service: GatewayService;
  readonly control: ControlPlane;
  readonly #state = new ServiceState('gateway process');

  constructor(
    readonly config: LookoutConfig,
    readonly logger: Logger,
    options: GatewayProcessOptions = {},
  ) {
    const startedAt = Date.now();
    let control: ControlPlane | undefined;
    this.service = createGatewayService(config, {
      logger,
      ...(options.env ? { env: options.env } : {}),
      control: (manager) => {
        control = new ControlPlane({
          config,
          logger: logger.child({ component: 'control' }),
          stream: manager,
          streamStates: manager,
          role: 'gateway',
          ...(options.connectWaitMs !== undefined ? { connectWaitMs: options.connectWaitMs } : {}),
          ...(options.reconnectMs !== undefined ? { reconnectMs: options.reconnectMs } : {}),
        });
        // The command table, the detector proxy (events, pictures, detect on/off; the ring answers
        // events while the detector cannot), the overview and the web page at `/`.
        const routes = [
          { plugin: commandRoutes, options: { table: control.table } },
          ...webRoutes({ config, ring: control.recent, streamStatus: () => manager.status(), slots: () => manager.slots(), startedAt }),
        ];
        return { commands: control.table, routes };
      },
    });
    if (!control) throw new Error('gateway service did not build its control plane');
    this.control = control;
  }

  /** The bound HTTP port (differs from the config with http.port: 0). */
  get port(): number {
    return this.service.port;
  }

  /** Recent events (`lookout up` feeds it the detector's JSONL export). */
  get recentEvents(): RecentEvents<unknown> {
    return this.control.recent as RecentEvents<unknown>;
  }

  /** True between a completed start and the beginning of stop (the watchdog's health check). */
  get ready(): boolean {
    return this.service.ready;
  }

  get closed(): Promise<void> {
    return this.#state.closed;
  }

  /** Gateway first, then the control plane announces; on failure everything is stopped and the error rethrown. */
  async start(): Promise<void> {
    this.#state.beginStart();
    try {
      await this.service.start();
      await this.control.start();
      this.#state.started();
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Bounded and memoized: the gateway within shutdown_timeout, then the control plane flushes. */
  stop(): Promise<void> {
    return this.#state.stop(async () => {
      await this.service.stop();
      await this.control.stop(Math.max(500, Math.floor(this.config.shutdown_timeout / 2)));
    });
  }

  /** Second-signal path: SIGKILL every pipeline now. */
  kill(): void {
    this.service.kill();
  }
}
