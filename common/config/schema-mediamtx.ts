import { z } from 'zod';
import { durationMs, host, port } from './fields.ts';

/** The mediamtx sidecar and who may read streams from it. Owned by the mediamtx part (gateway/mediamtx/). */
export const viewerSchema = z.strictObject({
  user: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must match [A-Za-z0-9_.-]{1,64}'),
  /** scrypt hash made by `lookout hash-password` ("scrypt$N$r$p$salt$hash"). */
  password_hash: z.string().min(10),
  /** Camera ids this viewer may read; empty means all. */
  cameras: z.array(z.string()).default([]),
});

export const mediamtxSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /**
   * sidecar: the gateway runs mediamtx as a supervised child. external: mediamtx runs under its own
   * service (systemd/mediamtx.service) on the config file the gateway renders; the gateway still
   * answers its auth and on-demand hooks and gives each pipeline its publish credential.
   */
  run: z.enum(['sidecar', 'external']).default('sidecar'),
  /** Path of the mediamtx binary; else MEDIAMTX_BIN, ./bin/mediamtx, PATH. */
  bin: z.string().min(1).optional(),
  /** Base config users may edit; the effective file is rendered from it. */
  base_config: z.string().min(1).default('mediamtx.yml'),
  host: host.default('127.0.0.1'),
  rtsp_port: port.default(8554),
  api_port: port.default(9997),
  metrics_port: port.default(9998),
  hls_port: port.default(8888),
  webrtc_port: port.default(8889),
  ready_timeout: durationMs('10s', { min: 100 }),
  stop_grace: durationMs('5s', { min: 50 }),
  api_timeout: durationMs('2s', { min: 50 }),
  /** Where the effective (rendered) config is written; relative paths are under state_dir. */
  rendered_config: z.string().min(1).default('mediamtx.effective.yml'),
  /** Restart pacing after any mediamtx exit (exit 0 included: a failed hot reload exits 0). */
  restart_backoff_initial: durationMs('1s', { min: 10 }),
  restart_backoff_max: durationMs('30s', { min: 10 }),
  /** On-demand cameras: how long mediamtx holds a viewer waiting for the publisher (runOnDemandStartTimeout). */
  on_demand_start_timeout: durationMs('10s', { min: 1000 }),
  /** On-demand cameras: how long a stream outlives its last viewer (runOnDemandCloseAfter). */
  on_demand_close_after: durationMs('10s', { min: 1000 }),
  /** The demand hook gives up its lease when no keepalive arrived from the gateway for this long. */
  demand_keepalive: durationMs('2s', { min: 100 }),
});

export type MediamtxConfig = z.output<typeof mediamtxSchema>;
export type ViewerConfig = z.output<typeof viewerSchema>;
