/**
 * The detector's small HTTP API (fastify, loopback by default): /healthz, /readyz, /metrics and
 * per-camera detection state with pause/resume. The control plane uses the same DetectorService
 * methods over MQTT/NATS; this is the local, curl-able door.
 *
 * It is built by `common/http/api-server.ts` like the gateway's: same gate, same cross-site and
 * Host rules, same error envelope. Its token and allow-lists come from `detector.http.*` and
 * default to the gateway's `http.*`, so one token protects both services unless told otherwise.
 */
import type { FastifyInstance } from 'fastify';
import type { DetectorHttpSettings } from '../common/config/detector-http.ts';
import { createApiServer } from '../common/http/api-server.ts';
import { errorEnvelope } from '../common/http/error-envelope.ts';
import { UnknownCameraError } from '../common/camera-errors.ts';
import type { Logger } from '../common/log.ts';
import type { CameraStatus } from './camera-detector.ts';

/** What the API needs from the service. */
export interface DetectorApiTarget {
  ready(): boolean;
  status(): { cameras: CameraStatus[] } & Record<string, unknown>;
  pauseCamera(id: string): Promise<CameraStatus>;
  resumeCamera(id: string): Promise<CameraStatus>;
  metricsText(): Promise<{ contentType: string; body: string }>;
}

/** Unknown camera id: answered with 404 (its `code`); one definition with the gateway's. */
export { UnknownCameraError };

export async function startDetectorApi(
  target: DetectorApiTarget,
  options: { http: DetectorHttpSettings; logger?: Logger; routes?: Array<(app: FastifyInstance) => Promise<void>> },
): Promise<{ app: FastifyInstance; port: number }> {
  const app = createApiServer(options.http, options.logger);
  app.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'public' } }, async (_request, reply) => {
    if (target.ready()) return { status: 'ready' };
    return reply.code(503).send(errorEnvelope('unavailable', 'detector is not ready (starting or shutting down)'));
  });
  app.get('/metrics', { config: { access: 'metrics' } }, async (_request, reply) => {
    const { contentType, body } = await target.metricsText();
    return reply.header('content-type', contentType).send(body);
  });
  app.get('/api/v1/detect/cameras', async () => target.status());
  app.get<{ Params: { id: string } }>('/api/v1/detect/cameras/:id', async (request) => {
    const found = target.status().cameras.find((camera) => camera.id === request.params.id);
    if (!found) throw new UnknownCameraError(request.params.id);
    return found;
  });
  for (const verb of ['pause', 'resume'] as const) {
    app.post<{ Params: { id: string } }>(`/api/v1/detect/cameras/:id/${verb}`, async (request) => {
      const data = verb === 'pause' ? await target.pauseCamera(request.params.id) : await target.resumeCamera(request.params.id);
      return { status: 'ok', data };
    });
  }
  // Extra routes (the control plane's /api/v1/commands and /api/v1/events), behind the same gate.
  for (const route of options.routes ?? []) await app.register(route);
  await app.listen({ host: options.http.host, port: options.http.port });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : options.http.port };
}
