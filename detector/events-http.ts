/**
 * The detector's picture and event routes (registered through `startDetectorApi`'s `routes`; the
 * gateway proxies them for the web page):
 *   GET /api/v1/events?camera=&label=&zone=&after=&before=&limit=&has_snapshot=   (event store, newest first)
 *   GET /api/v1/events/:id, /api/v1/events/:id/snapshot.jpg, /api/v1/events/:id/thumbnail.jpg
 *   GET /api/v1/cameras/:id/latest.jpg?boxes=1&h=360
 * Every parameter is checked against a strict format before it is used; an event id is checked
 * before any file path is built from it. Errors use the `{status:'error', error:{code, message}}`
 * envelope; messages never echo more than a short, sanitised piece of the input.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { EventStore } from './event-store/event-store.ts';
import type { LatestFrames } from './latest-frame/latest-frames.ts';
import { EVENT_ID, type SnapshotFiles } from './snapshots/snapshot-files.ts';

export interface EventsHttpOptions {
  store: EventStore;
  files: SnapshotFiles;
  latest: LatestFrames;
  /** A detection camera's state; undefined: no such camera. */
  cameraState: (id: string) => string | undefined;
}

type PictureErrorCode = 'bad_request' | 'not_found' | 'unknown_camera' | 'camera_paused' | 'no_frame';

export function pictureError(code: PictureErrorCode, message: string): { status: 'error'; error: { code: PictureErrorCode; message: string } } {
  return { status: 'error', error: { code, message } };
}

const CAMERA_ID = /^[a-z0-9_-]{1,64}$/;
const NAME = /^[A-Za-z0-9 _.-]{1,64}$/;
const seconds = z.coerce.number().finite().min(0).max(1e11);

const eventsQuery = z.strictObject({
  camera: z.string().regex(CAMERA_ID, 'must match [a-z0-9_-]{1,64}').optional(),
  label: z.string().regex(NAME, 'must be 1-64 letters, digits, space, _ . -').optional(),
  zone: z.string().regex(CAMERA_ID, 'must match [a-z0-9_-]{1,64}').optional(),
  after: seconds.optional(),
  before: seconds.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  has_snapshot: z.enum(['0', '1', 'true', 'false']).optional(),
});

const latestQuery = z.strictObject({
  boxes: z.enum(['0', '1', 'true', 'false']).default('0'),
  h: z.coerce.number().int().min(32).max(2160).optional(),
});

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || (issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? 'query') : 'query');
  const message = issue?.code === 'unrecognized_keys' ? 'unknown query parameter' : (issue?.message ?? 'invalid');
  return `${field.slice(0, 64)}: ${message}`;
}

const BAD_EVENT_ID = 'id: must be an event id (<seconds>.<6 digits>.<6 of a-z0-9>)';
const IMAGES = { 'snapshot.jpg': 'snapshot', 'thumbnail.jpg': 'thumbnail' } as const;

function sendJpeg(reply: FastifyReply, jpeg: Buffer, cacheControl: string): FastifyReply {
  return reply.header('content-type', 'image/jpeg').header('cache-control', cacheControl).send(jpeg);
}

export function eventsHttpRoutes(options: EventsHttpOptions): (app: FastifyInstance) => Promise<void> {
  const { store, files, latest } = options;
  return async (app) => {
    app.get('/api/v1/events', async (request, reply) => {
      const parsed = eventsQuery.safeParse(request.query ?? {});
      if (!parsed.success) return reply.code(400).send(pictureError('bad_request', firstIssue(parsed.error)));
      const query = parsed.data;
      const data = store.query({
        limit: query.limit,
        ...(query.camera !== undefined ? { camera: query.camera } : {}),
        ...(query.label !== undefined ? { label: query.label } : {}),
        ...(query.zone !== undefined ? { zone: query.zone } : {}),
        ...(query.after !== undefined ? { after: query.after } : {}),
        ...(query.before !== undefined ? { before: query.before } : {}),
        ...(query.has_snapshot !== undefined ? { hasSnapshot: query.has_snapshot === '1' || query.has_snapshot === 'true' } : {}),
      });
      return reply.header('cache-control', 'no-store').send({ status: 'ok', data });
    });

    app.get<{ Params: { id: string } }>('/api/v1/events/:id', async (request, reply) => {
      const { id } = request.params;
      if (!EVENT_ID.test(id)) return reply.code(400).send(pictureError('bad_request', BAD_EVENT_ID));
      const event = store.get(id);
      if (!event) return reply.code(404).send(pictureError('not_found', `no event "${id}"`));
      return reply.header('cache-control', 'no-store').send({ status: 'ok', data: event });
    });

    for (const [name, kind] of Object.entries(IMAGES)) {
      app.get<{ Params: { id: string } }>(`/api/v1/events/:id/${name}`, async (request, reply) => {
        const { id } = request.params;
        if (!EVENT_ID.test(id)) return reply.code(400).send(pictureError('bad_request', BAD_EVENT_ID));
        const jpeg = await files.read(id, kind);
        if (!jpeg) return reply.code(404).send(pictureError('not_found', store.get(id) ? `event "${id}" has no ${kind}` : `no event "${id}"`));
        // A better snapshot may still replace this one while the event lasts: a short private cache.
        return sendJpeg(reply, jpeg, 'private, max-age=10');
      });
    }

    app.get<{ Params: { id: string } }>('/api/v1/cameras/:id/latest.jpg', async (request, reply) => {
      const { id } = request.params;
      if (!CAMERA_ID.test(id)) return reply.code(400).send(pictureError('bad_request', 'id: must match [a-z0-9_-]{1,64}'));
      const state = options.cameraState(id);
      if (state === undefined) return reply.code(404).send(pictureError('unknown_camera', `unknown camera "${id}" (not configured or detection not enabled)`));
      const parsed = latestQuery.safeParse(request.query ?? {});
      if (!parsed.success) return reply.code(400).send(pictureError('bad_request', firstIssue(parsed.error)));
      if (state !== 'running') return reply.code(409).send(pictureError('camera_paused', `camera "${id}" is ${state}: no live frame`));
      const frame = latest.latest(id);
      const jpeg = frame && latest.jpeg(id, { height: Math.min(parsed.data.h ?? frame.image.height, frame.image.height), boxes: parsed.data.boxes === '1' || parsed.data.boxes === 'true' });
      if (!jpeg) return reply.code(409).send(pictureError('no_frame', `camera "${id}" has no frame yet`));
      return sendJpeg(reply, await jpeg, 'no-store');
    });
  };
}
