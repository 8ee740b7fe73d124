/**
 * zod shapes of the Control API v3 answers we use (shared docs/mediamtx.md §8, internal/defs/api*.go).
 * Objects are not strict: mediamtx adds fields across versions; we validate what we read.
 */
import { z } from 'zod';

export const apiErrorSchema = z.object({ status: z.literal('error'), error: z.string() });
export const apiOkSchema = z.object({ status: z.literal('ok') });

export const infoSchema = z.object({ version: z.string(), started: z.string() });

const sourceSchema = z.object({ type: z.string(), id: z.string() });

export const pathSchema = z.object({
  name: z.string(),
  confName: z.string(),
  available: z.boolean(),
  availableTime: z.string().nullable().optional(),
  online: z.boolean().optional(),
  source: sourceSchema.nullable(),
  readers: z.array(sourceSchema),
  inboundBytes: z.number(),
  outboundBytes: z.number().optional(),
  tracks2: z.array(z.object({ codec: z.string() }).loose()).optional(),
});

export const rtspSessionSchema = z.object({
  id: z.string(),
  created: z.string(),
  remoteAddr: z.string(),
  state: z.enum(['idle', 'read', 'publish']),
  path: z.string(),
  query: z.string().optional(),
  user: z.string().optional(),
  transport: z.string().nullable().optional(),
  inboundBytes: z.number().optional(),
  outboundBytes: z.number().optional(),
});

/** Every list route: `{itemCount, pageCount, items}`; `itemCount` is the total before paging. */
export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({ itemCount: z.number().int().min(0), pageCount: z.number().int().min(0), items: z.array(item) });
}

export type MediamtxInfo = z.output<typeof infoSchema>;
export type MediamtxPath = z.output<typeof pathSchema>;
export type MediamtxRtspSession = z.output<typeof rtspSessionSchema>;
