import type { LookoutConfig } from '../common/config/schema.ts';
import { MediamtxNotFoundError } from '../gateway/mediamtx/errors.ts';
import { locateMediamtx } from '../gateway/mediamtx/locate-binary.ts';

/** The mediamtx binary `lookout up` and `doctor` would use, or why there is none. */
export function findMediamtx(config: Pick<LookoutConfig, 'mediamtx'>, env: NodeJS.ProcessEnv = process.env): { path?: string; problem?: string } {
  try {
    return { path: locateMediamtx({ configured: config.mediamtx.bin, env }) };
  } catch (error) {
    if (error instanceof MediamtxNotFoundError) return { problem: error.message };
    throw error;
  }
}
