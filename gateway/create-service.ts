/**
 * The production gateway service: a GatewayService with the mediamtx sidecar integration when
 * `mediamtx.enabled` (publish credentials, auth and on-demand routes; the demand hook leases from
 * the manager the service built in its constructor), or publishing to `pipelines.publish_url`
 * without it. appliance/gateway-process.ts builds the process around it.
 */
import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import { createMediamtxIntegration } from './mediamtx/integration.ts';
import { GatewayService, type GatewayServiceOptions } from './service.ts';

export function createGatewayService(config: LookoutConfig, options: GatewayServiceOptions & { logger: Logger }): GatewayService {
  if (!config.mediamtx.enabled || options.mediamtx) return new GatewayService(config, options);
  return new GatewayService(config, {
    ...options,
    mediamtx: (manager) =>
      createMediamtxIntegration(config, {
        logger: options.logger,
        manager: () => manager,
        ...(options.env ? { env: options.env } : {}),
      }),
  });
}
