/**
 * `GET /api/v1/overview`: everything the web page's camera grid and status strip show, in one
 * poll: each camera's stream state (the gateway's) and detection state and frame counters (the
 * detector's, asked with a short deadline so a slow detector never stalls the page), the slots in
 * use against the limit, the gateway's uptime, and the HLS port when mediamtx republishes.
 */
import type { FastifyInstance } from 'fastify';
import type { DetectorClient } from './detector-client.ts';

export interface OverviewSource {
  cameras: ReadonlyArray<{ id: string; name?: string | undefined }>;
  /** The gateway's per-camera status (PipelineManager.status()). */
  streamStatus(): ReadonlyArray<{ id: string }>;
  slots(): { inUse: number; limit: number; waiting: readonly string[] };
  /** Epoch ms the gateway started. */
  startedAt: number;
  /** mediamtx's HLS port when it runs (the page links `http://<host>:<port>/<camera>/`). */
  hlsPort?: number | undefined;
  detector: DetectorClient;
  now?: () => number;
}

/** The detector's status answer holds `cameras: [{id, state, framesDecoded, ...}]`. */
function detectorCameras(body: Buffer): Map<string, unknown> {
  const found = new Map<string, unknown>();
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { cameras?: unknown; data?: { cameras?: unknown } };
    const list = Array.isArray(parsed.cameras) ? parsed.cameras : Array.isArray(parsed.data?.cameras) ? parsed.data.cameras : [];
    for (const camera of list) {
      if (camera && typeof camera === 'object' && typeof (camera as { id?: unknown }).id === 'string') found.set((camera as { id: string }).id, camera);
    }
  } catch {
    // not JSON: reported as unreachable below
  }
  return found;
}

export async function overviewRoutes(app: FastifyInstance, source: OverviewSource): Promise<void> {
  const now = source.now ?? Date.now;
  app.get('/api/v1/overview', async (_request, reply) => {
    const result = await source.detector.get('/api/v1/detect/cameras', 1500);
    const detect = result.ok && result.status === 200 ? detectorCameras(result.body) : undefined;
    const streams = new Map(source.streamStatus().map((status) => [status.id, status]));
    const cameras = source.cameras.map((camera) => ({
      id: camera.id,
      name: camera.name ?? camera.id,
      stream: streams.get(camera.id) ?? null,
      detect: detect?.get(camera.id) ?? null,
    }));
    const slots = source.slots();
    return reply.header('cache-control', 'no-store').send({
      status: 'ok',
      data: {
        uptime_s: Math.max(0, Math.round((now() - source.startedAt) / 1000)),
        slots: { in_use: slots.inUse, limit: slots.limit, waiting: [...slots.waiting] },
        hls_port: source.hlsPort ?? null,
        detector: detect ? { reachable: true } : { reachable: false, message: result.ok ? `the detector answered ${result.status}` : result.message },
        cameras,
      },
    });
  });
}
