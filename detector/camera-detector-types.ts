/**
 * The shapes around one camera's detector: what it needs from the tracker, its options and the
 * status it reports. Apart from camera-detector.ts so that file is the behaviour alone.
 */
import type { Logger } from '../common/log.ts';
import type { DecoderOptions } from './decode/decoder.ts';
import type { HwaccelFallback } from './decode/hwaccel.ts';
import type { CameraGeometry, GeometryStatus } from './geometry/camera-geometry.ts';
import type { DetectorMetrics } from './metrics.ts';
import type { Detection, PostprocessOptions } from './model/types.ts';
import type { GateSettings, MotionSettings } from './motion/settings.ts';
import type { DetectionSink } from './publisher.ts';
import type { Scheduler } from './inference/scheduler.ts';
import type { TrackEvent, TrackSettings } from './track/index.ts';

/** What the camera needs from the tracker (ObjectTracker satisfies it). */
export interface TrackerLike {
  update(cameraId: string, detections: Detection[], timestampMs: number, frame?: { width: number; height: number }): TrackEvent[];
  /** The detections left after the camera's object masks and filters (optional: none). */
  filter?(cameraId: string, detections: Detection[]): Detection[];
  /** Announced objects per zone and label (optional: no zones). */
  zoneCounts?(cameraId: string): Record<string, Record<string, number>>;
  /** Per-camera zones, masks and lifecycle settings (optional: defaults). */
  configure?(cameraId: string, settings: TrackSettings): void;
  counts(cameraId: string): Record<string, number>;
  /** Objects currently tracked on the camera (the motion gate re-checks them while there is no motion). */
  liveTracks(cameraId: string): number;
  /** Ends every track of the camera and forgets it (optional). */
  endCamera?(cameraId: string): TrackEvent[];
}

export type CameraState = 'idle' | 'running' | 'paused' | 'stopped';

/** Decoder settings of one camera; name, logger and callbacks are filled in here. */
export type CameraDecoderSettings = Omit<DecoderOptions, 'name' | 'logger' | 'onFrame' | 'onEvent' | 'hwaccel'>;

export interface CameraDetectorOptions {
  id: string;
  decoder: CameraDecoderSettings;
  hwaccel: HwaccelFallback;
  postprocess: PostprocessOptions;
  scheduler: Scheduler;
  tracker: TrackerLike;
  sink: DetectionSink;
  metrics: DetectorMetrics;
  logger: Logger;
  /** Detect and main stream geometry (default: one input, no mapping). */
  geometry?: CameraGeometry;
  /** Motion detection settings (default: DEFAULT_MOTION). */
  motion?: MotionSettings;
  /** Motion gate settings (default: DEFAULT_GATE, gate on). */
  gate?: GateSettings;
  /**
   * The detector's orphan registry (`<state_dir>/detector-children.json`): every decoder child is
   * recorded while it lives, so a detector that is SIGKILLed leaves nothing that its supervisor
   * (`lookout up`, or the next start) cannot find and end.
   */
  children?: { add(pid: number, owner: string): boolean; remove(pid: number): void };
}

/** Status for the HTTP API and the control plane. */
export interface CameraStatus {
  id: string;
  state: CameraState;
  pid: number | undefined;
  hwaccel: string;
  framesDecoded: number;
  framesInferred: number;
  skipped: number;
  failed: number;
  restarts: number;
  hwaccelFallbacks: number;
  /** Decoded frames the motion gate kept from inference. */
  framesGated: number;
  /** Decoded frames with motion. */
  framesWithMotion: number;
  /** Whole-frame changes that reset the motion background. */
  motionResets: number;
  /** Detect input, detect and main sizes, scale, frames held while the main size was unknown. */
  geometry: GeometryStatus;
}
