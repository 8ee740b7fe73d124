/**
 * The detector's small HTTP API (fastify, loopback by default): /healthz, /readyz, /metrics and
 * per-camera detection state with pause/resume. The control plane uses the same DetectorService
 * methods over MQTT/NATS; this is the local, curl-able door.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { CameraStatus } from './camera-detector.ts';

/** What the API needs from the service. */
export interface DetectorApiTarget {
  ready(): boolean;
  status(): { cameras: CameraStatus[] } & Record<string, unknown>;
  pauseCamera(id: string): Promise<CameraStatus>;
  resumeCamera(id: string): Promise<CameraStatus>;
  metricsText(): Promise<{ contentType: string; body: string }>;
}

/** Unknown camera id: answered with 404. */
export class UnknownCameraError extends Error {
  override readonly name = 'UnknownCameraError';
}

export async function startDetectorApi(
  target: DetectorApiTarget,
  options: { host: string; port: number; routes?: Array<(app: FastifyInstance) => Promise<void>> },
): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = target.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await target.metricsText();
    return reply.header('content-type', contentType).send(body);
  });
  app.get('/api/v1/detect/cameras', async () => target.status());
  app.get<{ Params: { id: string } }>('/api/v1/detect/cameras/:id', async (request, reply) => {
    const found = target.status().cameras.find((camera) => camera.id === request.params.id);
    return found ?? reply.code(404).send({ status: 'error', error: `unknown camera "${request.params.id.slice(0, 64)}"` });
  });
  for (const verb of ['pause', 'resume'] as const) {
    app.post<{ Params: { id: string } }>(`/api/v1/detect/cameras/:id/${verb}`, async (request, reply) => {
      try {
        const data = verb === 'pause' ? await target.pauseCamera(request.params.id) : await target.resumeCamera(request.params.id);
        return { status: 'ok', data };
      } catch (error) {
        if (error instanceof UnknownCameraError) return reply.code(404).send({ status: 'error', error: error.message });
        throw error;
      }
    });
  }
  // Extra routes (the control plane's /api/v1/commands and /api/v1/events).
  for (const route of options.routes ?? []) await app.register(route);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : options.port };
}
