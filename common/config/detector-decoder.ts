/**
 * The detector's decoder lifecycle settings (stop grace, restart backoff), read from its own
 * `detector.decoder` block. The detector used to borrow the gateway's `pipelines.*` for these, so
 * tuning publish restarts silently changed decoder restarts too.
 */
import type { BackoffOptions } from '../lifecycle/backoff.ts';
import type { LookoutConfig } from './schema.ts';

export interface DecoderLifecycleSettings {
  stopGraceMs: number;
  backoff: BackoffOptions;
}

export function detectorDecoderSettings(config: LookoutConfig): DecoderLifecycleSettings {
  const decoder = config.detector.decoder;
  return {
    stopGraceMs: decoder.stop_grace,
    backoff: { initialMs: decoder.backoff_initial, maxMs: decoder.backoff_max, resetAfterMs: decoder.backoff_reset_after },
  };
}
