/**
 * A tracked object's life event, per camera: the fields of Frigate's event object (camelCase here;
 * control/events/frigate-events.ts maps them to Frigate's snake_case `before`/`after`). Snapshot fields
 * (`has_snapshot`, `snapshot`) are added by the snapshot feature; consumers must accept more fields.
 */
import type { Box } from './geometry.ts';

export type TrackEventType = 'new' | 'update' | 'end';

export interface TrackEvent {
  type: TrackEventType;
  /** `<start_time seconds, 6 decimals>.<6 random [a-z0-9]>`: unique, stable across restarts, no camera inside. */
  id: string;
  camera: string;
  label: string;
  /** Not produced by the bundled models (null); kept for Frigate's shape. */
  subLabel: string | null;
  score: number;
  topScore: number;
  /** Last known box in source pixels (x1, y1, x2, y2) and as fractions of the frame. */
  box: Box;
  boxNorm: Box;
  /** Box area in source pixels and width / height. */
  area: number;
  ratio: number;
  /** The part of the frame the model saw (the whole frame: Lookout letterboxes, it does not crop). */
  region: Box;
  currentZones: string[];
  /** Zones in the order they were first entered. */
  enteredZones: string[];
  stationary: boolean;
  /** Matched frames in a row without a position change. */
  motionlessCount: number;
  positionChanges: number;
  /** Timestamps (ms) of the first and latest frame the object was seen in. */
  firstSeen: number;
  lastSeen: number;
  /** ms; set on `end` (the last time the object was seen). */
  endTime: number | null;
  /** Always false on published events: tracks that never reached `new` end silently. */
  falsePositive: boolean;
}

/** Live objects per zone and label of one camera, e.g. `{ driveway: { car: 1 } }`. */
export type ZoneCounts = Record<string, Record<string, number>>;
