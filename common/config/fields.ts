import { z } from 'zod';
import { parseDurationMs } from '../duration.ts';

/** A duration ("250ms", "10s", "5m", or a number of seconds) parsed to milliseconds. */
export function durationMs(defaultValue: string, { min = 0 }: { min?: number } = {}) {
  return z
    .union([z.string(), z.number()])
    .default(defaultValue)
    .transform((value, ctx) => {
      const ms = parseDurationMs(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as "500ms", "10s" or "5m"' });
        return z.NEVER;
      }
      if (ms < min) {
        ctx.addIssue({ code: 'custom', message: `must be at least ${min} ms` });
        return z.NEVER;
      }
      return ms;
    });
}

export const port = z.number().int().min(0).max(65535);
export const host = z.string().min(1).max(253);
