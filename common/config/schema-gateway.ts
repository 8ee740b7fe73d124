import { z } from 'zod';
import { httpHostName, httpOrigin, httpToken } from '../http/config-fields.ts';
import { durationMs, host, port } from './fields.ts';
import { cameraSnapshotsSchema } from './schema-snapshots.ts';
import { eventsSchema, objectsSchema, zonesSchema } from './schema-zones.ts';
import { motionSchema } from './schema-motion.ts';
import { notReservedTopicWord } from '../topic-words.ts';

/** Camera ids become mediamtx path names and MQTT/NATS topic levels. */
export const CAMERA_ID = /^[a-z0-9_-]{1,64}$/;

/** Source URL schemes the gateway accepts; anything else is refused before ffmpeg sees it. */
export const SOURCE_PATTERN = /^(rtsps?|https?|rtmps?):\/\/[^\s]+$|^v4l2:\/\/\/dev\/[\w/.-]+$|^\/dev\/video\d+$|^file:\/\/\/[^\s]+$|^testsrc:\/\/\/?(\?((size=\d{2,4}x\d{2,4}|rate=\d{1,2}|objects=\d)(&|$))*)?$/;

/** Network sources must parse as URLs with a host (`rtsp://:554/x` or `http://[bad` are refused). */
function hasHostIfNetwork(source: string): boolean {
  if (!/^(rtsps?|https?|rtmps?):/.test(source)) return true;
  try {
    return new URL(source).hostname.length > 0;
  } catch {
    return false;
  }
}

const sourceString = z
  .string()
  .regex(SOURCE_PATTERN, 'must be an rtsp(s)://, http(s)://, rtmp(s)://, v4l2:///dev/..., file:///... or testsrc:// source')
  .refine(hasHostIfNetwork, 'must be a valid URL with a host name');

/** What an input is for: `stream` is republished through mediamtx, `detect` is decoded by the detector. */
export const INPUT_ROLES = ['stream', 'detect'] as const;
export type InputRole = (typeof INPUT_ROLES)[number];

/** One of `cameras[].inputs`. */
export const cameraInputSchema = z.strictObject({
  source: sourceString,
  /** Default for a camera's only input: both roles. With several inputs, each names its roles. */
  roles: z
    .array(z.enum(INPUT_ROLES))
    .min(1)
    .max(2)
    .refine((roles) => new Set(roles).size === roles.length, 'a role is listed twice')
    .default(['stream', 'detect']),
  /** RTSP transport for this input (default: the camera's `rtsp_transport`). */
  rtsp_transport: z.enum(['tcp', 'udp']).optional(),
});
export type CameraInputConfig = z.output<typeof cameraInputSchema>;

export const transcodeSchema = z.strictObject({
  width: z.number().int().min(16).max(7680).optional(),
  height: z.number().int().min(16).max(4320).optional(),
  fps: z.number().min(1).max(120).optional(),
  preset: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium']).default('veryfast'),
  bitrate_kbps: z.number().int().min(64).max(100_000).optional(),
  gop: z.number().int().min(1).max(600).optional(),
});

export const cameraTimeoutsSchema = z.strictObject({
  /** RTSP/HTTP socket I/O timeout on the input. */
  io: durationMs('10s', { min: 100 }),
  /** No ffmpeg progress for this long ⇒ the pipeline is killed and restarted. */
  stall: durationMs('10s', { min: 500 }),
  /** How long a start may take before progress must appear. */
  start: durationMs('15s', { min: 500 }),
});

export const cameraSchema = z
  .strictObject({
  id: z.string().regex(CAMERA_ID, 'must match [a-z0-9_-]{1,64}').superRefine(notReservedTopicWord),
  name: z.string().min(1).max(128).optional(),
  /** The camera's one input (shorthand for `inputs: [{source, roles: [stream, detect]}]`). */
  source: sourceString.optional(),
  /** Several inputs with roles, e.g. a main stream to republish and a sub-stream to detect on. */
  inputs: z.array(cameraInputSchema).min(1).max(2, 'at most two inputs: one with the role "stream" and one with "detect" (or one input with both)').optional(),
  enabled: z.boolean().default(true),
  mode: z.enum(['always', 'on-demand']).default('always'),
  video: z.enum(['copy', 'h264']).default('copy'),
  transcode: transcodeSchema.optional(),
  audio: z.enum(['copy', 'drop', 'aac']).default('drop'),
  rtsp_transport: z.enum(['tcp', 'udp']).default('tcp'),
  timeouts: cameraTimeoutsSchema.prefault({}),
  /** Named polygons; objects in them are counted per zone and listed in events (see docs/motion-and-zones.md). */
  zones: zonesSchema.optional(),
  /** Object masks and per-label filters, applied before tracking. */
  objects: objectsSchema.optional(),
  /** Event lifecycle: required zones, hits before `new`, frames before `end`, stationary, update rate. */
  events: eventsSchema.optional(),
  detect: z
    .strictObject({
      enabled: z.boolean().default(true),
      fps: z.number().min(0.1).max(30).default(5),
      /** Read directly from the camera source instead of the mediamtx republished stream. */
      read_from: z.enum(['mediamtx', 'source']).default('mediamtx'),
      labels: z.array(z.string().min(1)).optional(),
      min_score: z.number().min(0).max(1).optional(),
      min_area: z.number().min(0).optional(),
      label_scores: z.record(z.string(), z.number().min(0).max(1)).optional(),
      /** auto: keyframes when the longest keyframe gap is at most 1/fps, else all (detector/decode/decoder-args.ts chooseStrategy). */
      decode: z.enum(['auto', 'keyframes', 'all']).default('auto'),
      hwaccel: z.enum(['auto', 'none', 'vaapi', 'qsv', 'cuda', 'v4l2m2m']).optional(),
      /** Run the model only on frames with motion (or tracked objects); false: every sampled frame. */
      motion_gate: z.boolean().default(true),
      /** With tracked objects but no motion, re-check them every this many sampled frames. */
      stationary_interval: z.number().int().min(1).max(10_000).default(10),
    })
    .optional(),
  motion: motionSchema.optional(),
  /** Snapshot look for this camera; unset keys take `detector.snapshots` (docs/snapshots.md). */
  snapshots: cameraSnapshotsSchema.optional(),
})
  .superRefine((camera, ctx) => {
    if (camera.source !== undefined && camera.inputs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['inputs'], message: 'set either source (one input) or inputs (several, with roles), not both' });
      return;
    }
    if (camera.source === undefined && camera.inputs === undefined) {
      ctx.addIssue({ code: 'custom', path: ['source'], message: 'a camera needs a source (or inputs with roles)' });
      return;
    }
    for (const role of INPUT_ROLES) {
      const holders = (camera.inputs ?? []).flatMap((input, index) => (input.roles.includes(role) ? [index] : []));
      if (camera.inputs && holders.length !== 1) {
        const where = holders.length === 0 ? 'no input has it' : `inputs ${holders.join(' and ')} both have it`;
        ctx.addIssue({ code: 'custom', path: ['inputs'], message: `exactly one input must have the role "${role}" (${where})` });
      }
    }
  })
  // `source` is always the stream input's source afterwards, so what reads it (publish args, doctor)
  // keeps one meaning; camera-inputs.ts answers "which input plays which role".
  .transform((camera) => ({ ...camera, source: camera.source ?? camera.inputs?.find((input) => input.roles.includes('stream'))?.source ?? '' }));

export const pipelinesSchema = z.strictObject({
  /** Hard limit on concurrent publish children. */
  limit: z.number().int().min(1).max(64).default(2),
  /** Grace between SIGTERM and SIGKILL when stopping a child. */
  stop_grace: durationMs('3s', { min: 50 }),
  backoff_initial: durationMs('1s', { min: 10 }),
  backoff_max: durationMs('30s', { min: 10 }),
  /** A pipeline that ran this long resets its backoff. */
  backoff_reset_after: durationMs('60s', { min: 100 }),
  /**
   * Where pipelines publish when no mediamtx sidecar is managed (tests, an external server):
   * `rtsp://host:port[/prefix]`, the camera id is appended. Default: mediamtx.host:mediamtx.rtsp_port.
   * No credentials here: per-pipeline publish secrets come from the sidecar integration.
   */
  publish_url: z
    .string()
    .regex(/^rtsps?:\/\/[A-Za-z0-9.[\]:-]+:\d{1,5}(\/[A-Za-z0-9_/-]*)?$/, 'must be rtsp://host:port[/prefix] without credentials')
    .optional(),
  /** RTSP transport for publishing (mediamtx: tcp; UDP-only servers: udp). */
  publish_transport: z.enum(['tcp', 'udp']).default('tcp'),
  /** Interval of the heartbeat log line (slots, states, restarts since the last one). */
  heartbeat_interval: durationMs('30s', { min: 100 }),
});

export const httpSchema = z.strictObject({
  host: host.default('127.0.0.1'),
  port: port.default(8080),
  /** Optional bearer token for the HTTP API (use ${ENV_VAR} to keep it out of the file). */
  token: httpToken.optional(),
  /** Serve /metrics without the token (only matters when a token is set). */
  metrics_public: z.boolean().default(false),
  /** Browser origins (scheme://host[:port]) besides the server's own that may send writes. */
  allowed_origins: z.array(httpOrigin).default([]),
  /** Host names the server answers to besides the defaults (bind address, localhost, hostname); `*` = any. */
  allowed_hosts: z.array(httpHostName).default([]),
  body_limit_bytes: z.number().int().min(1024).max(10_000_000).default(65_536),
  /** Longest time to receive one request (headers and body); slower clients get 408. */
  request_timeout: durationMs('30s', { min: 1000 }),
});

export const ffmpegSchema = z.strictObject({
  path: z.string().min(1).optional(),
  ffprobe_path: z.string().min(1).optional(),
  loglevel: z.enum(['quiet', 'panic', 'fatal', 'error', 'warning', 'info', 'verbose', 'debug']).default('warning'),
});

export type CameraConfig = z.output<typeof cameraSchema>;
export type PipelinesConfig = z.output<typeof pipelinesSchema>;
export type HttpConfig = z.output<typeof httpSchema>;
export type FfmpegConfig = z.output<typeof ffmpegSchema>;
