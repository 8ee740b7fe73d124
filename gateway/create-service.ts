/**
 * The production wiring of the gateway: a GatewayService with the mediamtx sidecar integration
 * when `mediamtx.enabled` (publish credentials, auth and on-demand routes), or publishing to
 * `pipelines.publish_url` without it. `lookout gateway` and `lookout up` both start from here.
 */
import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import { createMediamtxIntegration } from './mediamtx/integration.ts';
import { GatewayService, type GatewayServiceOptions } from './service.ts';

export function createGatewayService(config: LookoutConfig, options: GatewayServiceOptions & { logger: Logger }): GatewayService {
  if (!config.mediamtx.enabled || options.mediamtx) return new GatewayService(config, options);
  // The manager exists only after start(); the demand endpoint looks it up per request.
  const holder: { service?: GatewayService } = {};
  const mediamtx = createMediamtxIntegration(config, {
    logger: options.logger,
    manager: () => {
      if (!holder.service) throw new Error('gateway service is not created yet');
      return holder.service.manager;
    },
    ...(options.env ? { env: options.env } : {}),
  });
  holder.service = new GatewayService(config, { ...options, mediamtx });
  return holder.service;
}
