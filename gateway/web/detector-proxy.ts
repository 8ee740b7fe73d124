/**
 * The detector's read endpoints and detect on/off, served on the gateway's port so the web page
 * (and any client) has one origin and one token. Every parameter is checked against a strict
 * format first (proxy-params.ts) and the detector path is rebuilt from the parsed values; unknown
 * cameras are answered here without a call. These are API routes: behind the gateway's token and
 * its cross-site write rules like every other `/api/` route.
 *
 * `GET /api/v1/events` goes to the detector's event store; while the detector is down or does not
 * serve it, the gateway's own ring of recent events answers (header `x-lookout-events-source`).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { DetectorClient } from './detector-client.ts';
import { filterRing } from './event-ring-filter.ts';
import { CAMERA_ID, eventsQuerySchema, eventsQueryString, firstIssue, latestQuerySchema, validEventId } from './proxy-params.ts';
import { isMissingRoute, proxyError, sendDetectorResult } from './proxy-replies.ts';

/** The ring of recent events the gateway keeps (control/events/recent-events.ts). */
export interface EventRing {
  readonly capacity: number;
  latest(limit: number): unknown[];
}

export interface DetectorProxyOptions {
  client: DetectorClient;
  /** Configured camera ids: anything else is 404 without asking the detector. */
  cameras: readonly string[];
  /** Answers `GET /api/v1/events` when the detector cannot. */
  ring?: EventRing;
}

const IMAGES = ['snapshot.jpg', 'thumbnail.jpg'] as const;

export async function detectorProxyRoutes(app: FastifyInstance, options: DetectorProxyOptions): Promise<void> {
  const { client } = options;
  const cameras = new Set(options.cameras);

  /** The camera id if it is well-formed and configured; otherwise the reply is sent and undefined returned. */
  const cameraOrReply = (id: string, reply: FastifyReply): string | undefined => {
    if (!CAMERA_ID.test(id)) {
      void reply.code(400).send(proxyError('bad_request', 'id: must be a camera id ([a-z0-9_-]{1,64})'));
      return undefined;
    }
    if (!cameras.has(id)) {
      void reply.code(404).send(proxyError('unknown_camera', `unknown camera "${id}"`));
      return undefined;
    }
    return id;
  };
  const badEventId = (reply: FastifyReply) => reply.code(400).send(proxyError('bad_request', 'id: must be an event id ([A-Za-z0-9._-]{1,128}, no "..")'));

  app.get('/api/v1/events', async (request, reply) => {
    const parsed = eventsQuerySchema.safeParse(request.query ?? {});
    if (!parsed.success) return reply.code(400).send(proxyError('bad_request', firstIssue(parsed.error)));
    const result = await client.get(`/api/v1/events?${eventsQueryString(parsed.data)}`);
    if (options.ring && isMissingRoute(result)) {
      const data = filterRing(options.ring.latest(options.ring.capacity), parsed.data);
      return reply.header('x-lookout-events-source', 'gateway-ring').header('cache-control', 'no-store').send({ status: 'ok', data });
    }
    void reply.header('x-lookout-events-source', 'detector');
    return sendDetectorResult(reply, result, 'event list');
  });

  app.get<{ Params: { id: string } }>('/api/v1/events/:id', async (request, reply) => {
    const { id } = request.params;
    if (!validEventId(id)) return badEventId(reply);
    return sendDetectorResult(reply, await client.get(`/api/v1/events/${id}`), 'event', 'no-cache');
  });

  for (const image of IMAGES) {
    app.get<{ Params: { id: string } }>(`/api/v1/events/:id/${image}`, async (request, reply) => {
      const { id } = request.params;
      if (!validEventId(id)) return badEventId(reply);
      // A snapshot can still be replaced by a better one while its event is live.
      return sendDetectorResult(reply, await client.get(`/api/v1/events/${id}/${image}`), `event ${image}`, 'no-cache');
    });
  }

  app.get<{ Params: { id: string } }>('/api/v1/cameras/:id/latest.jpg', async (request, reply) => {
    const id = cameraOrReply(request.params.id, reply);
    if (id === undefined) return reply;
    const parsed = latestQuerySchema.safeParse(request.query ?? {});
    if (!parsed.success) return reply.code(400).send(proxyError('bad_request', firstIssue(parsed.error)));
    const params = new URLSearchParams();
    if (parsed.data.boxes !== undefined) params.set('boxes', parsed.data.boxes === '1' || parsed.data.boxes === 'true' ? '1' : '0');
    if (parsed.data.h !== undefined) params.set('h', String(parsed.data.h));
    const query = params.size > 0 ? `?${params.toString()}` : '';
    return sendDetectorResult(reply, await client.get(`/api/v1/cameras/${id}/latest.jpg${query}`), 'latest frame');
  });

  app.get('/api/v1/detect/cameras', async (_request, reply) => sendDetectorResult(reply, await client.get('/api/v1/detect/cameras'), 'detection status'));

  for (const verb of ['pause', 'resume'] as const) {
    app.post<{ Params: { id: string } }>(`/api/v1/detect/cameras/:id/${verb}`, async (request, reply) => {
      const id = cameraOrReply(request.params.id, reply);
      if (id === undefined) return reply;
      // Pausing waits for the decoder to stop: a longer deadline than a read.
      return sendDetectorResult(reply, await client.post(`/api/v1/detect/cameras/${id}/${verb}`, 15_000), `detect ${verb}`);
    });
  }
}
