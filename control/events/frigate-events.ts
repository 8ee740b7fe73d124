/**
 * Turns the detector's track events into Frigate-shaped messages for `<prefix>/events`, so users'
 * Frigate automations carry over: `{type: 'new'|'update'|'end', before?, after: {id, camera, label,
 * score, top_score, box, area, ratio, region, current_zones, entered_zones, stationary,
 * motionless_count, position_changes, start_time, end_time, false_positive, ...}}` (times in
 * seconds like Frigate). `before` is the previous `after` of the same event (kept in a bounded map,
 * forgotten on `end`). Each message gets a stable outbox id used for de-duplication downstream
 * (JetStream Nats-Msg-Id).
 *
 * Event ids come from the tracker (`<start_time>.<6 random chars>`, detector/track/event-id.ts) and
 * are used as they are. A producer that still sends a bare track number gets
 * `<start_time>-<camera>-<number>`, which is unique as well; ids are never parsed.
 */

/** The detector's event (detector/track/types.ts `TrackEvent`); lifecycle fields are optional for older producers. */
export interface TrackEventLike {
  type: 'new' | 'update' | 'end';
  id: string | number;
  camera: string;
  label: string;
  score: number;
  box: unknown;
  boxNorm?: unknown;
  firstSeen: number;
  lastSeen: number;
  subLabel?: string | null;
  topScore?: number;
  area?: number;
  ratio?: number;
  region?: unknown;
  currentZones?: string[];
  enteredZones?: string[];
  stationary?: boolean;
  motionlessCount?: number;
  positionChanges?: number;
  endTime?: number | null;
  falsePositive?: boolean;
  /** Set by the detector's snapshot keeper (detector/snapshots). */
  hasSnapshot?: boolean;
  snapshot?: { frame_time: number; box: unknown; area: number; score: number } | null;
}

export interface FrigateObject {
  id: string;
  camera: string;
  label: string;
  sub_label: string | null;
  score: number;
  top_score: number;
  box: unknown;
  box_norm: unknown;
  area: number | null;
  ratio: number | null;
  region: unknown;
  frame_time: number;
  start_time: number;
  end_time: number | null;
  active: boolean;
  stationary: boolean;
  motionless_count: number;
  position_changes: number;
  false_positive: boolean;
  current_zones: string[];
  entered_zones: string[];
  has_clip: boolean;
  has_snapshot: boolean;
  snapshot: { frame_time: number; box: unknown; area: number; score: number } | null;
}

export interface FrigateEvent {
  type: 'new' | 'update' | 'end';
  before?: FrigateObject;
  after: FrigateObject;
}

/** Epoch in seconds; the detector may report milliseconds. */
function seconds(time: number): number {
  return time > 1e11 ? time / 1000 : time;
}

/** The event id: the tracker's string id, or a composed one for a bare track number. */
function eventIdOf(event: TrackEventLike, start: number): string {
  return typeof event.id === 'string' && /^\d+\.\d+\.[a-z0-9]+$/.test(event.id) ? event.id : `${start.toFixed(3)}-${event.camera}-${String(event.id)}`;
}

export class FrigateEventFormatter {
  readonly #previous = new Map<string, FrigateObject>();

  constructor(readonly maxTracks = 10_000) {}

  /** Tracks with a remembered `before` (bounded; for leak checks). */
  get trackedCount(): number {
    return this.#previous.size;
  }

  format(event: TrackEventLike): { outboxId: string; message: FrigateEvent } {
    const start = seconds(event.firstSeen);
    const id = eventIdOf(event, start);
    const before = this.#previous.get(id);
    const ended = event.type === 'end';
    const after: FrigateObject = {
      id,
      camera: event.camera,
      label: event.label,
      sub_label: event.subLabel ?? null,
      score: event.score,
      top_score: Math.max(event.topScore ?? event.score, before?.top_score ?? 0),
      box: event.box,
      box_norm: event.boxNorm ?? null,
      area: event.area ?? null,
      ratio: event.ratio ?? null,
      region: event.region ?? null,
      frame_time: seconds(event.lastSeen),
      start_time: start,
      end_time: ended ? seconds(event.endTime ?? event.lastSeen) : null,
      active: !ended && event.stationary !== true,
      stationary: event.stationary ?? false,
      motionless_count: event.motionlessCount ?? 0,
      position_changes: event.positionChanges ?? 0,
      false_positive: event.falsePositive ?? false,
      current_zones: event.currentZones ?? [],
      entered_zones: event.enteredZones ?? [],
      has_clip: false,
      has_snapshot: event.hasSnapshot ?? false,
      snapshot: event.snapshot ?? null,
    };
    this.#previous.delete(id);
    if (!ended) {
      this.#previous.set(id, after);
      if (this.#previous.size > this.maxTracks) {
        const oldest = this.#previous.keys().next().value;
        if (oldest !== undefined) this.#previous.delete(oldest);
      }
    }
    const message: FrigateEvent = before ? { type: event.type, before, after } : { type: event.type, after };
    const outboxId = `${id}-${event.type}-${seconds(event.lastSeen).toFixed(3)}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    return { outboxId, message };
  }
}
