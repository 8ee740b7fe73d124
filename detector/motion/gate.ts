/**
 * The motion gate of one camera: decides, per decoded frame, whether it goes to inference. A frame
 * is inferred when there is motion, on the first frame (nothing is known about the scene yet), and
 * — with tracked objects but no motion — every `stationaryInterval` frames, so a stationary object
 * is re-checked and its track can end once it is gone. With the gate off every frame is inferred.
 */
import type { GateSettings } from './settings.ts';

export type GateReason = 'motion' | 'first' | 'tracked' | 'gate-off' | 'gated';

export interface GateDecision {
  infer: boolean;
  reason: GateReason;
}

export class MotionGate {
  /** Frames since the last one sent to inference (Infinity before the first). */
  #sinceInferred = Number.POSITIVE_INFINITY;

  constructor(readonly settings: GateSettings) {}

  /** One frame's decision; `liveTracks` is how many objects the tracker follows on this camera. */
  decide(motion: boolean, liveTracks: number): GateDecision {
    const decision = this.#decide(motion, liveTracks);
    this.#sinceInferred = decision.infer ? 0 : this.#sinceInferred + 1;
    return decision;
  }

  #decide(motion: boolean, liveTracks: number): GateDecision {
    if (!this.settings.enabled) return { infer: true, reason: 'gate-off' };
    if (this.#sinceInferred === Number.POSITIVE_INFINITY) return { infer: true, reason: 'first' };
    if (motion) return { infer: true, reason: 'motion' };
    if (liveTracks > 0 && this.#sinceInferred + 1 >= this.settings.stationaryInterval) return { infer: true, reason: 'tracked' };
    return { infer: false, reason: 'gated' };
  }

  /** Starts over (camera resumed): the next frame is a first frame again. */
  reset(): void {
    this.#sinceInferred = Number.POSITIVE_INFINITY;
  }
}
