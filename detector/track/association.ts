/**
 * Matching a frame's detections to live tracks when objects move fast relative to the frame rate.
 * Each track's box is first moved by its estimated velocity to where it should be now; a pair is
 * then scored by `(1 − IoU) + centre distance` (distance in units of the track's box size, so at
 * 1 fps an object that moved more than its own width still matches its predicted position) and
 * gated by label, size ratio and distance. Pairs are taken greedily by cost, which is what the
 * Hungarian method also picks when gates leave each object few candidates (the usual case here).
 */
import type { Detection } from '../model/types.ts';
import { boxArea, boxIou, centreDistance, shiftBox, type Box } from './geometry.ts';

export interface AssociationTrack {
  label: string;
  box: Box;
  /** Centre velocity in source pixels per second; undefined until the track was matched twice. */
  velocity: [number, number] | undefined;
  lastSeen: number;
  missed: number;
}

/** Widest accepted distance (box sizes) from the predicted centre, when the velocity is known. */
const GATE_WITH_VELOCITY = 1;
/** Without a velocity yet the object may have moved either way: a wider gate. */
const GATE_WITHOUT_VELOCITY = 2;
/** Each missed frame widens the gate by this much (the prediction grows less certain). */
const GATE_PER_MISS = 0.5;
/** Accepted area ratio between a detection and the track's box. */
const MAX_AREA_RATIO = 2.5;

/** Where the track's box should be at `timestampMs`. */
export function predictBox(track: AssociationTrack, timestampMs: number): Box {
  if (!track.velocity) return track.box;
  const dt = Math.max(0, timestampMs - track.lastSeen) / 1000;
  return shiftBox(track.box, track.velocity[0] * dt, track.velocity[1] * dt);
}

/** Pairs `[trackIndex, detectionIndex]` (each index used once), cheapest first. */
export function associate(tracks: readonly AssociationTrack[], detections: readonly Detection[], timestampMs: number): Array<[number, number]> {
  const pairs: Array<{ t: number; d: number; cost: number }> = [];
  tracks.forEach((track, t) => {
    const predicted = predictBox(track, timestampMs);
    const trackArea = Math.max(boxArea(track.box), 1e-9);
    const gate = (track.velocity ? GATE_WITH_VELOCITY : GATE_WITHOUT_VELOCITY) + GATE_PER_MISS * track.missed;
    detections.forEach((detection, d) => {
      if (detection.label !== track.label) return;
      const ratio = boxArea(detection.box) / trackArea;
      if (ratio > MAX_AREA_RATIO || ratio < 1 / MAX_AREA_RATIO) return;
      const distance = centreDistance(predicted, detection.box);
      if (distance > gate) return;
      pairs.push({ t, d, cost: 1 - boxIou(predicted, detection.box) + distance });
    });
  });
  pairs.sort((p, q) => p.cost - q.cost);
  const usedTracks = new Set<number>();
  const usedDetections = new Set<number>();
  const out: Array<[number, number]> = [];
  for (const { t, d } of pairs) {
    if (usedTracks.has(t) || usedDetections.has(d)) continue;
    usedTracks.add(t);
    usedDetections.add(d);
    out.push([t, d]);
  }
  return out;
}
