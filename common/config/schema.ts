import { z } from 'zod';
import { durationMs } from './fields.ts';
import { cameraSchema, ffmpegSchema, httpSchema, pipelinesSchema } from './schema-gateway.ts';
import { mediamtxSchema, viewerSchema } from './schema-mediamtx.ts';
import { detectorSchema } from './schema-detector.ts';
import { mqttSchema, natsSchema, outboxSchema } from './schema-outputs.ts';
import { checkZones } from './schema-zones.ts';

/** The whole of lookout.yml. Unknown keys are errors at every level. */
export const lookoutConfigSchema = z
  .strictObject({
    /** Distinguishes appliances: goes into HA unique ids and the default NATS site. */
    instance_id: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'must match [a-z0-9_-]{1,32}').default('lookout'),
    state_dir: z.string().min(1).default('./state'),
    log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    shutdown_timeout: durationMs('10s', { min: 100 }),
    ffmpeg: ffmpegSchema.prefault({}),
    http: httpSchema.prefault({}),
    pipelines: pipelinesSchema.prefault({}),
    cameras: z.array(cameraSchema).default([]),
    mediamtx: mediamtxSchema.prefault({}),
    viewers: z.array(viewerSchema).default([]),
    detector: detectorSchema.prefault({}),
    mqtt: mqttSchema.optional(),
    nats: natsSchema.optional(),
    outbox: outboxSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.cameras.forEach((camera, index) => {
      const first = seen.get(camera.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['cameras', index, 'id'], message: `duplicate camera id (also cameras[${first}].id)` });
      } else {
        seen.set(camera.id, index);
      }
      if (camera.video === 'copy' && camera.transcode) {
        ctx.addIssue({ code: 'custom', path: ['cameras', index, 'transcode'], message: 'needs video: h264 (copy cannot scale or change fps)' });
      }
    });
    checkZones(config.cameras, ctx);
    if (config.pipelines.backoff_max < config.pipelines.backoff_initial) {
      ctx.addIssue({ code: 'custom', path: ['pipelines', 'backoff_max'], message: 'must be at least pipelines.backoff_initial' });
    }
  });

export type LookoutConfig = z.output<typeof lookoutConfigSchema>;
export type LookoutConfigInput = z.input<typeof lookoutConfigSchema>;
