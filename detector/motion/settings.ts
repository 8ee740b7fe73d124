/**
 * Motion settings of one camera, in the detector's own (camelCase) form. The config keys live under
 * `cameras[].motion` (names follow Frigate's where they mean the same); `motionSettingsFrom` turns
 * the parsed config (or its absence) into these, so every consumer sees the same defaults.
 */
import type { CameraConfig } from '../../common/config/schema-gateway.ts';
import type { NormalisedPolygon } from './polygon.ts';

export interface MotionSettings {
  /** false: no motion detection; every frame counts as motion (the gate never closes). */
  enabled: boolean;
  /** Per-pixel difference (0..255, after contrast normalisation) above which a pixel changed. */
  threshold: number;
  /** Minimum changed pixels (of the small motion image) in one blob for it to count as motion. */
  contourArea: number;
  /** Height in pixels of the small grayscale image motion is computed on. */
  frameHeight: number;
  /** Running-average weight of each new frame in the background (0..1). */
  frameAlpha: number;
  /** Stretch each small frame's 4th..96th percentile range (gain at most MAX_CONTRAST_GAIN). */
  improveContrast: boolean;
  /** A changed fraction above this is a lighting change: the background is re-learnt, no motion. */
  lightningThreshold: number;
  /** Polygons (normalised 0..1) where motion is ignored. */
  mask: NormalisedPolygon[];
}

/** The defaults (the same values as the schema's `cameras[].motion` defaults). */
export const DEFAULT_MOTION: Readonly<MotionSettings> = Object.freeze({
  enabled: true,
  threshold: 30,
  contourArea: 10,
  frameHeight: 64,
  frameAlpha: 0.01,
  improveContrast: true,
  lightningThreshold: 0.5,
  mask: [],
});

/** Settings from a camera's parsed config; absent keys take the defaults. */
export function motionSettingsFrom(motion: CameraConfig['motion']): MotionSettings {
  if (!motion) return { ...DEFAULT_MOTION, mask: [] };
  return {
    enabled: motion.enabled,
    threshold: motion.threshold,
    contourArea: motion.contour_area,
    frameHeight: motion.frame_height,
    frameAlpha: motion.frame_alpha,
    improveContrast: motion.improve_contrast,
    lightningThreshold: motion.lightning_threshold,
    mask: motion.mask,
  };
}

/** The gate settings of one camera (`cameras[].detect.motion_gate`, `.stationary_interval`). */
export interface GateSettings {
  /** false: every sampled frame goes to inference (motion is still computed and reported). */
  enabled: boolean;
  /** With tracked objects but no motion, re-check them every this many frames. */
  stationaryInterval: number;
}

export const DEFAULT_GATE: Readonly<GateSettings> = Object.freeze({ enabled: true, stationaryInterval: 10 });

export function gateSettingsFrom(detect: CameraConfig['detect']): GateSettings {
  return { enabled: detect?.motion_gate ?? DEFAULT_GATE.enabled, stationaryInterval: detect?.stationary_interval ?? DEFAULT_GATE.stationaryInterval };
}
