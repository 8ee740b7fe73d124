/**
 * The fallback for `GET /api/v1/events` while the detector's event store cannot be reached: the
 * gateway's ring of recent events (fed by the detector's JSONL export under `lookout up`), with the
 * same filters applied. Ring records are Frigate-shaped (`{type, after: {...}}`) or flat.
 */
import type { EventsQuery } from './proxy-params.ts';

function objectOf(record: unknown): Record<string, unknown> | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const outer = record as Record<string, unknown>;
  return outer.after !== null && typeof outer.after === 'object' ? (outer.after as Record<string, unknown>) : outer;
}

function matches(record: unknown, query: EventsQuery): boolean {
  const event = objectOf(record);
  if (!event) return false;
  if (query.camera !== undefined && event.camera !== query.camera) return false;
  if (query.label !== undefined && event.label !== query.label) return false;
  if (query.zone !== undefined) {
    const zones = [event.current_zones, event.entered_zones].flatMap((list) => (Array.isArray(list) ? list : []));
    if (!zones.includes(query.zone)) return false;
  }
  const start = typeof event.start_time === 'number' ? event.start_time : typeof event.frame_time === 'number' ? event.frame_time : undefined;
  if (query.after !== undefined && (start === undefined || start < query.after)) return false;
  if (query.before !== undefined && (start === undefined || start >= query.before)) return false;
  if (query.has_snapshot !== undefined && (event.has_snapshot === true) !== query.has_snapshot) return false;
  return true;
}

/** Newest first (as the ring hands them), filtered, at most `query.limit`. */
export function filterRing(newestFirst: readonly unknown[], query: EventsQuery): unknown[] {
  const out: unknown[] = [];
  for (const record of newestFirst) {
    if (out.length >= query.limit) break;
    if (matches(record, query)) out.push(record);
  }
  return out;
}
