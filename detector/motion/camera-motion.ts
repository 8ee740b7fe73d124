/**
 * Motion detection and the motion gate of one camera, with the counts the camera reports. Kept out
 * of CameraDetector so the per-camera flow reads as one call: `check(frame)` says whether the frame
 * goes to inference; the motion of a frame that passed is remembered (weakly, per frame object)
 * until its inference result is handed on.
 */
import type { DecodedFrame } from '../decode/frame-parser.ts';
import { MotionGate } from './gate.ts';
import { MotionDetector, type MotionResult } from './motion-detector.ts';
import type { GateSettings, MotionSettings } from './settings.ts';

export interface GateOutcome {
  motion: MotionResult;
  infer: boolean;
}

export class CameraMotion {
  #detector: MotionDetector;
  readonly #gate: MotionGate;
  readonly #passed = new WeakMap<DecodedFrame, boolean>();
  #gated = 0;
  #withMotion = 0;
  #resets = 0;

  constructor(
    readonly settings: MotionSettings,
    gate: GateSettings,
    readonly inputWidth: number,
    readonly inputHeight: number,
  ) {
    this.#detector = new MotionDetector(settings, inputWidth, inputHeight);
    this.#gate = new MotionGate(gate);
  }

  /** Motion and the gate's decision for one decoded frame; `liveTracks`: objects tracked on the camera. */
  check(frame: DecodedFrame, liveTracks: number): GateOutcome {
    const motion = this.#detector.analyse(frame.data, frame.letterbox);
    const { infer } = this.#gate.decide(motion.motion, liveTracks);
    if (motion.motion) this.#withMotion++;
    if (motion.reset) this.#resets++;
    if (infer) this.#passed.set(frame, motion.motion);
    else this.#gated++;
    return { motion, infer };
  }

  /** Whether a frame that passed the gate had motion (true when unknown). */
  motionOf(frame: DecodedFrame): boolean {
    return this.#passed.get(frame) ?? true;
  }

  /** Starts over (camera resumed): the scene may have changed while it was paused. */
  restart(): void {
    this.#detector = new MotionDetector(this.settings, this.inputWidth, this.inputHeight);
    this.#gate.reset();
  }

  counts(): { framesGated: number; framesWithMotion: number; motionResets: number } {
    return { framesGated: this.#gated, framesWithMotion: this.#withMotion, motionResets: this.#resets };
  }
}
