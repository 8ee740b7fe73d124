/**
 * The shapes the page reads from the gateway, and the one normalization it needs: events come from
 * the detector's store (flat) or, while it cannot answer, from the gateway's ring (Frigate-shaped
 * `{type, after}` records, several per track) — both become one `PageEvent` per id, newest first.
 */

/** The detector's per-camera status (detector/camera-detector.ts `CameraStatus`). */
export interface DetectStatus {
  id: string;
  state: 'idle' | 'running' | 'paused' | 'stopped' | string;
  framesDecoded?: number;
  framesInferred?: number;
  skipped?: number;
}

/** The gateway's per-camera status (gateway/pipeline/camera-state.ts `CameraStatus`). */
export interface StreamStatus {
  id: string;
  state: string;
  mode?: string;
  lastError?: string;
}

export interface OverviewCamera {
  id: string;
  name: string;
  stream: StreamStatus | null;
  detect: DetectStatus | null;
}

export interface Overview {
  uptime_s: number;
  slots: { in_use: number; limit: number; waiting: string[] };
  hls_port: number | null;
  detector: { reachable: boolean; message?: string };
  cameras: OverviewCamera[];
}

export interface PageEvent {
  id: string;
  camera: string;
  label: string;
  score: number | undefined;
  topScore: number | undefined;
  start: number | undefined;
  end: number | undefined;
  zones: string[];
  hasSnapshot: boolean;
  stationary: boolean;
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

function toPageEvent(record: unknown): PageEvent | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const outer = record as Record<string, unknown>;
  const event = outer.after !== null && typeof outer.after === 'object' ? (outer.after as Record<string, unknown>) : outer;
  const id = event.id;
  if ((typeof id !== 'string' && typeof id !== 'number') || typeof event.camera !== 'string' || typeof event.label !== 'string') return undefined;
  return {
    id: String(id),
    camera: event.camera,
    label: event.label,
    score: num(event.score),
    topScore: num(event.top_score),
    start: num(event.start_time) ?? num(event.frame_time),
    end: num(event.end_time),
    zones: [...new Set([...strings(event.current_zones), ...strings(event.entered_zones)])],
    hasSnapshot: event.has_snapshot === true,
    stationary: event.stationary === true,
  };
}

/** One PageEvent per id (the first, i.e. newest, record wins), in the order given. */
export function normalizeEvents(records: unknown): PageEvent[] {
  const seen = new Map<string, PageEvent>();
  for (const record of Array.isArray(records) ? records : []) {
    const event = toPageEvent(record);
    if (event && !seen.has(event.id)) seen.set(event.id, event);
  }
  return [...seen.values()];
}

/** Event ids the gateway accepts in a path (gateway/web/proxy-params.ts); others are not linked. */
export function linkableId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id) && !id.includes('..');
}
