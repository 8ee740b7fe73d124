/**
 * Turns the detector's track events into Frigate-shaped messages for `<prefix>/events`, so users'
 * Frigate automations carry over: `{type: 'new'|'update'|'end', before?, after: {id, camera, label,
 * score, top_score, box, start_time, end_time, ...}}` (times in seconds like Frigate). `before` is the
 * previous `after` of the same track (kept in a bounded map, forgotten on `end`). Each message gets a
 * stable outbox id used for de-duplication downstream (JetStream Nats-Msg-Id).
 */

/** The detector's event (structurally the same as detector/publisher.ts `TrackEvent`). */
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
}

export interface FrigateObject {
  id: string;
  camera: string;
  label: string;
  score: number;
  top_score: number;
  box: unknown;
  box_norm: unknown;
  frame_time: number;
  start_time: number;
  end_time: number | null;
  active: boolean;
  false_positive: boolean;
  current_zones: string[];
  entered_zones: string[];
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

export class FrigateEventFormatter {
  readonly #previous = new Map<string, FrigateObject>();

  constructor(readonly maxTracks = 10_000) {}

  /** Tracks with a remembered `before` (bounded; for leak checks). */
  get trackedCount(): number {
    return this.#previous.size;
  }

  format(event: TrackEventLike): { outboxId: string; message: FrigateEvent } {
    const start = seconds(event.firstSeen);
    const trackId = `${start.toFixed(3)}-${event.camera}-${String(event.id)}`;
    const before = this.#previous.get(trackId);
    const after: FrigateObject = {
      id: trackId,
      camera: event.camera,
      label: event.label,
      score: event.score,
      top_score: Math.max(event.score, before?.top_score ?? 0),
      box: event.box,
      box_norm: event.boxNorm ?? null,
      frame_time: seconds(event.lastSeen),
      start_time: start,
      end_time: event.type === 'end' ? seconds(event.lastSeen) : null,
      active: event.type !== 'end',
      false_positive: false,
      current_zones: [],
      entered_zones: [],
    };
    if (event.type === 'end') this.#previous.delete(trackId);
    else {
      this.#previous.delete(trackId);
      this.#previous.set(trackId, after);
      if (this.#previous.size > this.maxTracks) {
        const oldest = this.#previous.keys().next().value;
        if (oldest !== undefined) this.#previous.delete(oldest);
      }
    }
    const message: FrigateEvent = before ? { type: event.type, before, after } : { type: event.type, after };
    const outboxId = `${trackId}-${event.type}-${seconds(event.lastSeen).toFixed(3)}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    return { outboxId, message };
  }
}
