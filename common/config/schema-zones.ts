/**
 * Camera keys for zones, object masks and the event lifecycle (`cameras[].zones`, `.objects`,
 * `.events`). Polygons are normalised to 0..1 of the frame at load time so they survive a change of
 * stream resolution; pixel polygons are accepted with the frame size they were drawn on. Zone names
 * become MQTT topic levels (`<prefix>/<zone>/<label>`), so they follow the camera id rules.
 */
import { z } from 'zod';
import { notReservedTopicWord } from '../topic-words.ts';
import { durationMs } from './fields.ts';

const ZONE_NAME = /^[a-z0-9_-]{1,64}$/;

const point = z.tuple([z.number(), z.number()]);

/** `[[x, y], ...]` with every value in 0..1. */
const normalisedPolygon = z
  .array(point)
  .min(3, 'a polygon needs at least 3 points')
  .max(100)
  .superRefine((points, ctx) => {
    points.forEach(([x, y], index) => {
      if (x < 0 || x > 1 || y < 0 || y > 1) {
        ctx.addIssue({ code: 'custom', path: [index], message: `point (${x}, ${y}) is outside 0..1; for pixel coordinates write {frame: [width, height], points: [...]}` });
      }
    });
  });

/** `{frame: [width, height], points: [[x, y], ...]}` in pixels of that frame, converted to 0..1. */
const pixelPolygon = z
  .strictObject({
    frame: z.tuple([z.number().int().min(16).max(16_384), z.number().int().min(16).max(16_384)]),
    points: z.array(point).min(3, 'a polygon needs at least 3 points').max(100),
  })
  .superRefine(({ frame: [width, height], points }, ctx) => {
    points.forEach(([x, y], index) => {
      if (x < 0 || x > width || y < 0 || y > height) {
        ctx.addIssue({ code: 'custom', path: ['points', index], message: `point (${x}, ${y}) lies outside the ${width}x${height} frame` });
      }
    });
  })
  .transform(({ frame: [width, height], points }) => points.map(([x, y]) => [x / width, y / height] as [number, number]));

/**
 * A polygon: normalised points, or pixel points with their frame size. The error names the inner
 * field of the form that was meant (a list: the normalised form; an object: the pixel form).
 */
export const polygonSchema = z.union([normalisedPolygon, pixelPolygon], {
  error: (issue) => {
    const errors = (issue as { errors?: z.core.$ZodIssue[][] }).errors;
    const input = issue.input;
    const meant = Array.isArray(input) ? errors?.[0] : typeof input === 'object' && input !== null ? errors?.[1] : undefined;
    const first = meant?.[0];
    if (!first) return 'must be a list of [x, y] points in 0..1, or {frame: [width, height], points: [[x, y], ...]} in pixels';
    const where = first.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '');
    return `${where ? `${where}: ` : ''}${first.message.replace(/^Invalid input: /, '')}`;
  },
});

export const zoneNameSchema = z.string().regex(ZONE_NAME, 'zone names must match [a-z0-9_-]{1,64}').superRefine(notReservedTopicWord);

/**
 * A size threshold: at most 1 means a fraction of the frame area (survives resolution changes),
 * above 1 means square pixels of the source frame (Frigate's convention).
 */
const areaThreshold = z.number().min(0);

export const zoneSchema = z.strictObject({
  coordinates: polygonSchema,
  anchor: z.enum(['bottom_center', 'center']).default('bottom_center'),
  inertia: z.number().int().min(1).max(100).default(3),
  objects: z.array(z.string().min(1)).optional(),
  min_area: areaThreshold.default(0),
  min_score: z.number().min(0).max(1).default(0),
});

export const zonesSchema = z.record(z.string(), zoneSchema).superRefine((zones, ctx) => {
  for (const name of Object.keys(zones)) {
    const result = zoneNameSchema.safeParse(name);
    if (!result.success) ctx.addIssue({ code: 'custom', path: [name], message: result.error.issues.map((issue) => issue.message).join('; ') });
  }
});

export const objectFilterSchema = z.strictObject({
  min_area: areaThreshold.optional(),
  max_area: areaThreshold.optional(),
  min_score: z.number().min(0).max(1).optional(),
  mask: z.array(polygonSchema).optional(),
});

export const objectsSchema = z.strictObject({
  /** Detections whose bottom centre lies in one of these polygons are dropped. */
  mask: z.array(polygonSchema).default([]),
  filters: z.record(z.string().min(1), objectFilterSchema).optional(),
});

export const eventsSchema = z.strictObject({
  required_zones: z.array(z.string()).default([]),
  min_initialized: z.number().int().min(1).max(1000).optional(),
  max_disappeared: z.number().int().min(1).max(100_000).optional(),
  stationary_threshold: z.number().int().min(1).max(1_000_000).optional(),
  update_interval: durationMs('5s', { min: 0 }),
});

export type ZoneConfig = z.output<typeof zoneSchema>;
export type ObjectsConfig = z.output<typeof objectsSchema>;
export type EventsConfig = z.output<typeof eventsSchema>;

interface CameraZonesLike {
  id: string;
  zones?: Record<string, unknown> | undefined;
  events?: { required_zones: string[] } | undefined;
}

/**
 * Checks across cameras (called from the whole-config refinement): zone names are one MQTT topic
 * level shared with camera ids, so a zone may not be named like a camera or like another camera's
 * zone; `required_zones` must name zones of the same camera.
 */
export function checkZones(cameras: readonly CameraZonesLike[], ctx: z.core.$RefinementCtx): void {
  const cameraIds = new Set(cameras.map((camera) => camera.id));
  const owner = new Map<string, number>();
  cameras.forEach((camera, index) => {
    const names = Object.keys(camera.zones ?? {});
    for (const name of names) {
      if (cameraIds.has(name)) ctx.addIssue({ code: 'custom', path: ['cameras', index, 'zones', name], message: `zone "${name}" has the name of a camera (both would publish counts on <prefix>/${name}/<label>)` });
      const first = owner.get(name);
      if (first !== undefined && first !== index) ctx.addIssue({ code: 'custom', path: ['cameras', index, 'zones', name], message: `zone "${name}" is also defined on cameras[${first}] (zone names are unique across cameras)` });
      else owner.set(name, index);
    }
    camera.events?.required_zones.forEach((zone, position) => {
      if (!names.includes(zone)) ctx.addIssue({ code: 'custom', path: ['cameras', index, 'events', 'required_zones', position], message: `"${zone}" is not a zone of camera "${camera.id}"` });
    });
  });
}
