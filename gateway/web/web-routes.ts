/**
 * Everything the gateway's HTTP server adds on top of its camera API, for `lookout up` and
 * `lookout gateway` alike: the command table (`POST /api/v1/commands`, the same table as MQTT and
 * NATS), the detector proxy (events, pictures, detect on/off) with the gateway's ring of recent
 * events as its fallback, the overview the page polls, and the page itself. The control plane's
 * own `GET /api/v1/events` is replaced by the proxy's, so the route is registered once.
 */
import type { LookoutConfig } from '../../common/config/schema.ts';
import type { RouteInput } from '../http-api.ts';
import { detectorHttpSettings } from '../../common/config/detector-http.ts';
import { DetectorClient, detectorBaseUrl } from './detector-client.ts';
import { detectorProxyRoutes, type EventRing } from './detector-proxy.ts';
import { overviewRoutes, type OverviewSource } from './overview-route.ts';
import { staticRoutes } from './static-routes.ts';

export interface WebRoutesOptions {
  config: LookoutConfig;
  /** The control plane's ring of recent events. */
  ring: EventRing;
  /** The pipeline manager's status and slots; called per request (the manager exists after start). */
  streamStatus: OverviewSource['streamStatus'];
  slots: OverviewSource['slots'];
  startedAt: number;
  /** Default: the detector at `detector.http`, with the detector API's token. */
  detector?: DetectorClient;
}

export function webRoutes(options: WebRoutesOptions): RouteInput[] {
  const { config } = options;
  // The detector's API takes detector.http.token, or else http.token (detector/http-api.ts).
  const detector = options.detector ?? new DetectorClient({ baseUrl: detectorBaseUrl(config), token: detectorHttpSettings(config).token });
  const cameras = config.cameras.map((camera) => camera.id);
  return [
    { plugin: detectorProxyRoutes, options: { client: detector, cameras, ring: options.ring } },
    {
      plugin: overviewRoutes,
      options: {
        cameras: config.cameras.map((camera) => ({ id: camera.id, name: camera.name })),
        streamStatus: options.streamStatus,
        slots: options.slots,
        startedAt: options.startedAt,
        hlsPort: config.mediamtx.enabled ? config.mediamtx.hls_port : undefined,
        detector,
      } satisfies OverviewSource,
    },
    { plugin: staticRoutes, options: {} },
  ];
}
