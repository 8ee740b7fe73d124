import { z } from 'zod';
import { httpHostName, httpOrigin, httpToken } from '../http/config-fields.ts';
import { durationMs, host, port } from './fields.ts';
import { snapshotsSchema } from './schema-snapshots.ts';

/** The detector service. Owned by the detector part (detector/). */
export const detectorSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** ONNX model path; default is the bundled demo model (models/demo-boxes-yolov8.onnx: synthetic boxes only, not real objects). */
  model: z.string().min(1).optional(),
  labels_file: z.string().min(1).optional(),
  min_score: z.number().min(0).max(1).default(0.5),
  iou_threshold: z.number().min(0).max(1).default(0.45),
  /** onnxruntime intra-op threads per worker; auto = the cores left after one for decoding and the gateway, split over the workers (1–4 each). */
  threads: z.union([z.literal('auto'), z.number().int().min(1).max(64)]).default('auto'),
  workers: z.number().int().min(1).max(16).default(1),
  execution_providers: z.array(z.enum(['cpu', 'cuda'])).default(['cpu']),
  inference_timeout: durationMs('5s', { min: 50 }),
  hwaccel: z.enum(['auto', 'none', 'vaapi', 'qsv', 'cuda', 'v4l2m2m']).default('auto'),
  hwaccel_device: z.string().min(1).optional(),
  hwaccel_retry_after: durationMs('5m', { min: 1000 }),
  /** A hardware decoder that delivered fewer frames than this, or ran shorter than `hwaccel_early_exit`, failed early: software fallback. */
  hwaccel_min_frames: z.number().int().min(1).max(1000).default(3),
  hwaccel_early_exit: durationMs('15s', { min: 100 }),
  /** The detector's own decoder processes (one ffmpeg per camera): stop grace and restart backoff, independent of the gateway's `pipelines.*`. */
  decoder: z
    .strictObject({
      /** SIGTERM → SIGKILL grace when a decoder is stopped. */
      stop_grace: durationMs('3s', { min: 50 }),
      /** First restart delay after a decoder failed; doubles (with jitter) up to `backoff_max`. */
      backoff_initial: durationMs('1s', { min: 10 }),
      backoff_max: durationMs('30s', { min: 10 }),
      /** A decoder that ran this long restarts fast again next time. */
      backoff_reset_after: durationMs('60s', { min: 100 }),
    })
    .refine((decoder) => decoder.backoff_max >= decoder.backoff_initial, { message: 'backoff_max must be ≥ backoff_initial', path: ['backoff_max'] })
    .prefault({}),
  /** Interval of the detector's heartbeat log line (per-camera fps, skipped, failed). */
  heartbeat_interval: durationMs('30s', { min: 1000 }),
  /** The detector's API; `token`, `metrics_public`, `allowed_origins`, `allowed_hosts` default to the gateway's `http.*`. */
  http: z
    .strictObject({
      host: host.default('127.0.0.1'),
      port: port.default(8081),
      token: httpToken.optional(),
      metrics_public: z.boolean().optional(),
      allowed_origins: z.array(httpOrigin).optional(),
      allowed_hosts: z.array(httpHostName).optional(),
    })
    .prefault({}),
  /** Event snapshots, latest.jpg frames, their retention and MQTT size (docs/snapshots.md); per camera: `cameras[].snapshots`. */
  snapshots: snapshotsSchema.prefault({}),
  /** Credential the detector uses to read from mediamtx (allowed by the gateway's auth endpoint). */
  read_user: z.string().min(1).default('lookout-detector'),
  read_password: z.string().min(8).optional(),
});

export type DetectorConfig = z.output<typeof detectorSchema>;
