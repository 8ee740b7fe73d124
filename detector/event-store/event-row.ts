/**
 * The event store's row shape: the SQL schema, the event types, and the mapping between the
 * tracker's camelCase event, the row, and the Frigate-shaped snake_case event the API returns.
 */
import type { SqlRow, SqlValue } from './sqlite.ts';

export type Box4 = [number, number, number, number];

/** The snapshot facts of an event (Frigate's `snapshot` object). */
export interface SnapshotMeta {
  frame_time: number;
  box: Box4;
  area: number;
  score: number;
}

/** An event as the API and MQTT show it. */
export interface StoredEvent {
  id: string;
  camera: string;
  label: string;
  score: number;
  top_score: number;
  box: Box4 | null;
  area: number | null;
  region: Box4 | null;
  current_zones: string[];
  entered_zones: string[];
  stationary: boolean;
  start_time: number;
  end_time: number | null;
  false_positive: boolean;
  has_snapshot: boolean;
  snapshot: SnapshotMeta | null;
  [extra: string]: unknown;
}

/** What the store takes: the tracker's event (detector/track/types.ts); its other fields go to `extra`. */
export interface EventInput {
  id: string;
  camera: string;
  label: string;
  score: number;
  topScore?: number;
  box?: readonly number[];
  area?: number;
  region?: readonly number[];
  currentZones?: readonly string[];
  enteredZones?: readonly string[];
  stationary?: boolean;
  firstSeen: number;
  endTime?: number | null;
  falsePositive?: boolean;
}

export const KNOWN = new Set(['type', 'id', 'camera', 'label', 'score', 'topScore', 'box', 'area', 'region', 'currentZones', 'enteredZones', 'stationary', 'firstSeen', 'endTime', 'falsePositive', 'hasSnapshot', 'snapshot']);

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY,
  camera TEXT NOT NULL,
  label TEXT NOT NULL,
  score REAL NOT NULL,
  top_score REAL NOT NULL,
  box TEXT,
  area REAL,
  region TEXT,
  current_zones TEXT NOT NULL DEFAULT '[]',
  entered_zones TEXT NOT NULL DEFAULT '[]',
  stationary INTEGER NOT NULL DEFAULT 0,
  start_time REAL NOT NULL,
  end_time REAL,
  false_positive INTEGER NOT NULL DEFAULT 0,
  has_snapshot INTEGER NOT NULL DEFAULT 0,
  snapshot TEXT,
  snapshot_bytes INTEGER NOT NULL DEFAULT 0,
  snapshot_files INTEGER NOT NULL DEFAULT 0,
  extra TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS events_start ON events (start_time);
CREATE INDEX IF NOT EXISTS events_camera_start ON events (camera, start_time);
CREATE INDEX IF NOT EXISTS events_label_start ON events (label, start_time);
CREATE INDEX IF NOT EXISTS events_snapshot_start ON events (has_snapshot, start_time);
CREATE TABLE IF NOT EXISTS event_zones (
  event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  zone TEXT NOT NULL,
  PRIMARY KEY (zone, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS event_zones_event ON event_zones (event_id);
`;

/** Epoch seconds from the tracker's milliseconds (seconds pass through). */
export function seconds(time: number): number {
  return time > 1e11 ? time / 1000 : time;
}

export function snake(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

export function parse<T>(value: SqlValue | undefined, fallback: T): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : fallback;
}

export function toEvent(row: SqlRow): StoredEvent {
  const extra = parse<Record<string, unknown>>(row.extra, {});
  return {
    ...extra,
    id: String(row.id),
    camera: String(row.camera),
    label: String(row.label),
    score: Number(row.score),
    top_score: Number(row.top_score),
    box: parse<Box4 | null>(row.box, null),
    area: row.area === null ? null : Number(row.area),
    region: parse<Box4 | null>(row.region, null),
    current_zones: parse<string[]>(row.current_zones, []),
    entered_zones: parse<string[]>(row.entered_zones, []),
    stationary: row.stationary === 1,
    start_time: Number(row.start_time),
    end_time: row.end_time === null ? null : Number(row.end_time),
    false_positive: row.false_positive === 1,
    has_snapshot: row.has_snapshot === 1,
    snapshot: parse<SnapshotMeta | null>(row.snapshot, null),
  };
}
