/**
 * Per-camera tracking settings and their defaults, derived from the detect rate so that the same
 * config means the same seconds at 1 fps and at 10 fps:
 * - `minInitialized` (hits in a row before `new`): half the fps rounded up, at least 2, so a
 *   detection seen on one frame only never becomes an event at any rate (Frigate: int(fps/2)).
 * - `maxDisappeared` (frames without a match before `end`): fps × 5 (5 s), at least 2.
 * - `stationaryThreshold` (matched frames without a position change before `stationary`): fps × 10.
 * - `updateIntervalMs`: at most one score-only `update` per event per 5 s; zone and stationary
 *   changes always go out at once.
 */
import type { CameraConfig } from '../../common/config/schema-gateway.ts';
import { NO_OBJECT_RULES, objectRules, zoneRules, type ObjectRules, type ZoneRule } from '../zones/rules.ts';

export interface TrackSettings {
  fps: number;
  minInitialized: number;
  maxDisappeared: number;
  stationaryThreshold: number;
  /** IoU with the box where the object settled at or above which it did not move (0.6, Frigate-like). */
  stationaryIou: number;
  updateIntervalMs: number;
  /** No `new` until the object entered one of these zones (empty: any position). */
  requiredZones: string[];
  zones: ZoneRule[];
  objects: ObjectRules;
  /** Live tracks per camera; beyond it, unmatched detections start no track (counted as dropped). */
  maxTracks: number;
}

export const DEFAULT_DETECT_FPS = 5;
export const MAX_TRACKS_PER_CAMERA = 64;

/** Settings for a detect rate with every other value at its default; `overrides` win. */
export function trackSettings(fps: number = DEFAULT_DETECT_FPS, overrides: Partial<TrackSettings> = {}): TrackSettings {
  return {
    fps,
    minInitialized: Math.max(2, Math.ceil(fps / 2)),
    maxDisappeared: Math.max(2, Math.ceil(fps * 5)),
    stationaryThreshold: Math.max(3, Math.ceil(fps * 10)),
    stationaryIou: 0.6,
    updateIntervalMs: 5000,
    requiredZones: [],
    zones: [],
    objects: NO_OBJECT_RULES,
    maxTracks: MAX_TRACKS_PER_CAMERA,
    ...overrides,
  };
}

type TrackCameraConfig = Pick<CameraConfig, 'detect' | 'zones' | 'objects' | 'events'>;

/** A camera's settings from its validated config (`detect.fps`, `zones`, `objects`, `events`). */
export function trackSettingsFromCamera(camera: TrackCameraConfig, fpsOverride?: number): TrackSettings {
  const events = camera.events;
  return trackSettings(fpsOverride ?? camera.detect?.fps ?? DEFAULT_DETECT_FPS, {
    ...(events?.min_initialized !== undefined ? { minInitialized: events.min_initialized } : {}),
    ...(events?.max_disappeared !== undefined ? { maxDisappeared: events.max_disappeared } : {}),
    ...(events?.stationary_threshold !== undefined ? { stationaryThreshold: events.stationary_threshold } : {}),
    ...(events ? { updateIntervalMs: events.update_interval, requiredZones: events.required_zones } : {}),
    zones: zoneRules(camera.zones),
    objects: objectRules(camera.objects),
  });
}
