/**
 * The detector API's effective HTTP settings, derived from the config in one place: both the
 * detector (which serves the API) and the gateway (whose web page proxies it) read them here, so
 * neither service imports the other. `detector.http.*` where set, else the gateway's `http.*`, so
 * one token protects both services unless told otherwise.
 */
import type { ApiServerSettings } from '../http/api-server.ts';
import type { LookoutConfig } from './schema.ts';

export type DetectorHttpSettings = ApiServerSettings & { port: number };

export function detectorHttpSettings(config: LookoutConfig): DetectorHttpSettings {
  const own = config.detector.http;
  const shared = config.http;
  return {
    host: own.host,
    port: own.port,
    token: own.token ?? shared.token,
    metrics_public: own.metrics_public ?? shared.metrics_public,
    allowed_origins: own.allowed_origins ?? shared.allowed_origins,
    allowed_hosts: own.allowed_hosts ?? shared.allowed_hosts,
    body_limit_bytes: shared.body_limit_bytes,
    request_timeout: shared.request_timeout,
  };
}
