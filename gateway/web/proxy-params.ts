/**
 * Strict formats for everything the gateway forwards to the detector. A path or query sent on is
 * rebuilt from these parsed values only, never copied from the request, so `../`, percent tricks,
 * unicode look-alikes and 10 KB ids stop here with a 400 envelope naming the field.
 */
import { z } from 'zod';

/** Camera ids as the config allows them (`cameras[].id`). */
export const CAMERA_ID = /^[a-z0-9_-]{1,64}$/;
/** Event ids: the detector's `<start>-<camera>-<track>` and similar; no `..`, no slash, ASCII only. */
export const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Labels (model class names) and zone names as filters. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
const ZONE = /^[a-z0-9_-]{1,64}$/;

export function validEventId(id: string): boolean {
  return EVENT_ID.test(id) && !id.includes('..');
}

const seconds = z.coerce.number().finite().min(0).max(1e11);

export const eventsQuerySchema = z.strictObject({
  camera: z.string().regex(CAMERA_ID, 'must be a camera id ([a-z0-9_-]{1,64})').optional(),
  label: z.string().regex(LABEL, 'must be a label (letters, digits, space, _ . -; up to 64)').optional(),
  zone: z.string().regex(ZONE, 'must be a zone name ([a-z0-9_-]{1,64})').optional(),
  after: seconds.optional(),
  before: seconds.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  has_snapshot: z
    .enum(['true', 'false', '1', '0'])
    .transform((value) => value === 'true' || value === '1')
    .optional(),
});
export type EventsQuery = z.output<typeof eventsQuerySchema>;

export const latestQuerySchema = z.strictObject({
  boxes: z.enum(['0', '1', 'true', 'false']).optional(),
  h: z.coerce.number().int().min(32).max(2160).optional(),
});

/** `field: problem` for the first issue of a failed parse. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'query: invalid';
  if (issue.code === 'unrecognized_keys') return `query: unknown parameter ${issue.keys.map((key) => key.slice(0, 40)).join(', ')}`;
  return `${issue.path.join('.') || 'query'}: ${issue.message}`;
}

/** The query string for the detector, from parsed values only. */
export function eventsQueryString(query: EventsQuery): string {
  const params = new URLSearchParams();
  if (query.camera !== undefined) params.set('camera', query.camera);
  if (query.label !== undefined) params.set('label', query.label);
  if (query.zone !== undefined) params.set('zone', query.zone);
  if (query.after !== undefined) params.set('after', String(query.after));
  if (query.before !== undefined) params.set('before', String(query.before));
  params.set('limit', String(query.limit));
  if (query.has_snapshot !== undefined) params.set('has_snapshot', query.has_snapshot ? 'true' : 'false');
  return params.toString();
}
