/**
 * Camera key for motion detection (`cameras[].motion`). Names and meanings follow Frigate's where
 * they fit; the defaults are tuned for the small motion image (`frame_height` rows) and hold on a
 * static scene with sensor noise and slow lighting drift (see docs/motion-and-zones.md).
 */
import { z } from 'zod';
import { polygonSchema } from './schema-zones.ts';

export const motionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  threshold: z.number().int().min(1).max(255).default(30),
  contour_area: z.number().int().min(1).max(10_000).default(10),
  frame_height: z.number().int().min(16).max(180).default(64),
  frame_alpha: z.number().min(0.001).max(1).default(0.01),
  improve_contrast: z.boolean().default(true),
  lightning_threshold: z.number().min(0.1).max(1).default(0.5),
  mask: z.array(polygonSchema).max(100).default([]),
});

export type MotionConfig = z.output<typeof motionSchema>;
