import { z } from 'zod';
import { durationMs } from './fields.ts';

/**
 * Event snapshots and the latest frame (detector/snapshots, docs/snapshots.md). The look of a
 * snapshot can be set per camera (`cameras[].snapshots`); unset keys take `detector.snapshots`.
 */
const look = {
  /** Keep a snapshot (best frame) of every event. */
  enabled: z.boolean(),
  /** Height of the frames the decoder delivers for snapshots and latest.jpg (width follows; never upscaled). */
  height: z.number().int().min(90).max(2160),
  /** JPEG quality 1–100. */
  quality: z.number().int().min(1).max(100),
  /** snapshot.jpg is the crop around the object instead of the full frame. */
  crop: z.boolean(),
  /** Draw the object's box and label. */
  bounding_box: z.boolean(),
  /** Also draw every other object detected in that frame. */
  all_boxes: z.boolean(),
  /** Outline the camera's zones. */
  zones: z.boolean(),
  /** Print the frame's time (UTC) in the top-left corner. */
  timestamp: z.boolean(),
};

/** Per-camera overrides: every key optional. */
export const cameraSnapshotsSchema = z.strictObject({
  enabled: look.enabled.optional(),
  height: look.height.optional(),
  quality: look.quality.optional(),
  crop: look.crop.optional(),
  bounding_box: look.bounding_box.optional(),
  all_boxes: look.all_boxes.optional(),
  zones: look.zones.optional(),
  timestamp: look.timestamp.optional(),
});

/** `detector.snapshots`: defaults for every camera, plus what is global (retention, MQTT). */
export const snapshotsSchema = z.strictObject({
  enabled: look.enabled.default(true),
  height: look.height.default(720),
  quality: look.quality.default(80),
  crop: look.crop.default(false),
  bounding_box: look.bounding_box.default(true),
  all_boxes: look.all_boxes.default(false),
  zones: look.zones.default(false),
  timestamp: look.timestamp.default(false),
  /** Height of thumbnail.jpg (always the crop around the object). */
  thumbnail_height: z.number().int().min(32).max(720).default(175),
  /** Snapshot files are removed oldest first past any of these bounds (the event stays, has_snapshot false); events older than max_age are deleted. */
  retain: z
    .strictObject({
      max_files: z.number().int().min(2).default(10_000),
      max_bytes: z.number().int().min(64 * 1024).default(1024 * 1024 * 1024),
      max_age: durationMs('240h', { min: 60_000 }),
    })
    .prefault({}),
  /** Largest snapshot published on `<prefix>/<camera>/<label>/snapshot`; a larger one is not published (logged). */
  mqtt_max_bytes: z.number().int().min(4096).max(16 * 1024 * 1024).default(512 * 1024),
  /** A better snapshot of the same camera and label is published at most this often. */
  mqtt_interval: durationMs('2s', { min: 0 }),
});

export type SnapshotsConfig = z.output<typeof snapshotsSchema>;
export type CameraSnapshotsConfig = z.output<typeof cameraSnapshotsSchema>;
