import type { Detection } from './model/types.ts';

/** A tracked object's life event, per camera. */
export interface TrackEvent {
  type: 'new' | 'update' | 'end';
  /** Stable across frames: `<camera>:<n>`. */
  id: string;
  camera: string;
  label: string;
  score: number;
  /** Last known box in source pixels (x1, y1, x2, y2). */
  box: [number, number, number, number];
  boxNorm: [number, number, number, number];
  /** Timestamps (ms) of the first and latest frame the object was seen in. */
  firstSeen: number;
  lastSeen: number;
}

export interface IouTrackerOptions {
  /** Minimum IoU between a track's last box and a detection to continue the track (default 0.3). */
  iouThreshold?: number;
  /** A track ends after this many consecutive frames without a match (default 5). */
  maxMissed?: number;
  /** … or when not seen for this long (default 10 s), whichever comes first. */
  maxAgeMs?: number;
}

/** A live track: the event fields it reports, plus how many frames in a row it was not matched. */
type Track = Omit<TrackEvent, 'type' | 'camera'> & { missed: number };

/**
 * Greedy IoU tracker: each frame's detections continue the best-overlapping live track of the same
 * label (highest IoU first), start new tracks otherwise; tracks end after `maxMissed` frames or
 * `maxAgeMs` without a match. Memory is bounded by the live objects; ended tracks are dropped.
 */
export class IouTracker {
  readonly #iou: number;
  readonly #maxMissed: number;
  readonly #maxAge: number;
  readonly #cameras = new Map<string, { tracks: Track[]; next: number }>();

  constructor(options: IouTrackerOptions = {}) {
    this.#iou = options.iouThreshold ?? 0.3;
    this.#maxMissed = options.maxMissed ?? 5;
    this.#maxAge = options.maxAgeMs ?? 10_000;
  }

  /** Feeds one processed frame's detections; returns the events it caused (new, update, end). */
  update(cameraId: string, detections: Detection[], timestampMs: number): TrackEvent[] {
    let cam = this.#cameras.get(cameraId);
    if (!cam) {
      cam = { tracks: [], next: 1 };
      this.#cameras.set(cameraId, cam);
    }
    const pairs: Array<{ t: number; d: number; iou: number }> = [];
    cam.tracks.forEach((track, t) => {
      detections.forEach((det, d) => {
        if (det.label !== track.label) return;
        const overlap = boxIou(track.box, det.box);
        if (overlap >= this.#iou) pairs.push({ t, d, iou: overlap });
      });
    });
    pairs.sort((p, q) => q.iou - p.iou);
    const usedTracks = new Set<number>();
    const usedDets = new Set<number>();
    const events: TrackEvent[] = [];
    for (const { t, d } of pairs) {
      if (usedTracks.has(t) || usedDets.has(d)) continue;
      usedTracks.add(t);
      usedDets.add(d);
      const track = cam.tracks[t]!;
      const det = detections[d]!;
      Object.assign(track, { score: det.score, box: det.box, boxNorm: det.boxNorm, lastSeen: timestampMs, missed: 0 });
      events.push(toEvent('update', cameraId, track));
    }
    const live: Track[] = [];
    cam.tracks.forEach((track, t) => {
      if (!usedTracks.has(t)) track.missed++;
      if (track.missed > this.#maxMissed || timestampMs - track.lastSeen > this.#maxAge) {
        events.push(toEvent('end', cameraId, track));
      } else {
        live.push(track);
      }
    });
    detections.forEach((det, d) => {
      if (usedDets.has(d)) return;
      const track: Track = {
        id: `${cameraId}:${cam.next++}`,
        label: det.label,
        score: det.score,
        box: det.box,
        boxNorm: det.boxNorm,
        firstSeen: timestampMs,
        lastSeen: timestampMs,
        missed: 0,
      };
      live.push(track);
      events.push(toEvent('new', cameraId, track));
    });
    cam.tracks = live;
    return events;
  }

  /** Ends every track of a camera (paused, stopped, removed) and forgets it. */
  endCamera(cameraId: string): TrackEvent[] {
    const cam = this.#cameras.get(cameraId);
    this.#cameras.delete(cameraId);
    return cam ? cam.tracks.map((track) => toEvent('end', cameraId, track)) : [];
  }

  /** Live objects per label on a camera, e.g. `{ person: 2, car: 1 }`. */
  counts(camera: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const track of this.#cameras.get(camera)?.tracks ?? []) out[track.label] = (out[track.label] ?? 0) + 1;
    return out;
  }
}

function toEvent(type: TrackEvent['type'], camera: string, t: Track): TrackEvent {
  return { type, id: t.id, camera, label: t.label, score: t.score, box: t.box, boxNorm: t.boxNorm, firstSeen: t.firstSeen, lastSeen: t.lastSeen };
}

function boxIou(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return union > 0 ? inter / union : 0;
}
