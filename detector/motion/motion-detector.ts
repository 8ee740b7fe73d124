/**
 * Motion detection for one camera, run on every decoded frame before anything is queued for
 * inference: small gray image of the content area → contrast normalisation → |frame − running
 * background| > threshold (masked pixels ignored) → dilation + blobs with an area minimum.
 *
 * Whole-frame guard: when more than `lightningThreshold` of the pixels change at once (lights on,
 * IR switch, auto-exposure), that is not motion: the background is replaced by the frame, the
 * frame reports no motion, and the next few frames blend in fast (alpha RELEARN_ALPHA) so a
 * lighting ramp settles quickly. The buffers are sized by the geometry; a new geometry (source
 * size change) starts over.
 */
import { BackgroundModel } from './background.ts';
import { BlobExtractor } from './blobs.ts';
import { normaliseContrast } from './contrast.ts';
import { GrayDownscaler, motionGeometry, sameGeometry, type MotionGeometry } from './downscale.ts';
import { rasterise } from './polygon.ts';
import type { MotionSettings } from './settings.ts';
import type { Letterbox } from '../model/types.ts';

/** Frames after a whole-frame reset during which the background learns fast. */
export const RELEARN_FRAMES = 5;
const RELEARN_ALPHA = 0.5;

/** What motion detection says about one frame. */
export interface MotionResult {
  motion: boolean;
  /** Motion boxes, normalised 0..1 of the source frame: [x1, y1, x2, y2]. */
  boxes: Array<[number, number, number, number]>;
  /** Fraction of the unmasked pixels that changed (before dilation). */
  fraction: number;
  /** This frame tripped the whole-frame guard (background re-learnt, motion reported false). */
  reset: boolean;
}

/** With motion detection off every frame counts as motion (the gate never closes). */
const ALWAYS_MOTION: MotionResult = Object.freeze({ motion: true, boxes: [], fraction: 0, reset: false }) as MotionResult;

interface State {
  geometry: MotionGeometry;
  downscaler: GrayDownscaler;
  background: BackgroundModel;
  blobs: BlobExtractor;
  mask: Uint8Array;
  unmasked: number;
  image: Float32Array;
  changed: Uint8Array;
  histogram: Uint32Array;
}

export class MotionDetector {
  #state: State | undefined;
  #relearn = 0;
  #resets = 0;

  constructor(
    readonly settings: MotionSettings,
    readonly inputWidth: number,
    readonly inputHeight: number,
  ) {}

  /** Whole-frame resets so far. */
  get resets(): number {
    return this.#resets;
  }

  /** The small image's geometry (after the first frame). */
  get geometry(): MotionGeometry | undefined {
    return this.#state?.geometry;
  }

  /** Bytes of typed arrays held: fixed for a geometry, whatever the frames. */
  get footprintBytes(): number {
    const state = this.#state;
    if (!state) return 0;
    return state.background.footprintBytes + state.blobs.footprintBytes + state.mask.byteLength + state.image.byteLength + state.changed.byteLength + state.histogram.byteLength;
  }

  /** Analyses one letterboxed RGB24 frame (inputWidth×inputHeight). Never keeps `rgb`. */
  analyse(rgb: Uint8Array, letterbox: Letterbox): MotionResult {
    const { settings } = this;
    if (!settings.enabled) return ALWAYS_MOTION;
    const state = this.#stateFor(letterbox);
    const { geometry, image, changed, mask, background } = state;
    state.downscaler.apply(rgb, image);
    if (settings.improveContrast) normaliseContrast(image, mask, state.histogram);
    const first = !background.learnt;
    const count = background.diff(image, settings.threshold, mask, changed);
    const fraction = state.unmasked > 0 ? count / state.unmasked : 0;
    if (!first && fraction > settings.lightningThreshold) {
      background.reset(image);
      this.#relearn = RELEARN_FRAMES;
      this.#resets++;
      return { motion: false, boxes: [], fraction, reset: true };
    }
    background.update(image, this.#relearn > 0 ? RELEARN_ALPHA : settings.frameAlpha);
    if (this.#relearn > 0) this.#relearn--;
    if (count === 0) return { motion: false, boxes: [], fraction, reset: false };
    const blobs = state.blobs.extract(changed, settings.contourArea);
    const { width, height } = geometry;
    const boxes = blobs.map(({ box: [x1, y1, x2, y2] }) => [x1 / width, y1 / height, x2 / width, y2 / height] as [number, number, number, number]);
    return { motion: boxes.length > 0, boxes, fraction, reset: false };
  }

  #stateFor(letterbox: Letterbox): State {
    const geometry = motionGeometry(letterbox, this.inputWidth, this.inputHeight, this.settings.frameHeight);
    if (this.#state && sameGeometry(this.#state.geometry, geometry)) return this.#state;
    const size = geometry.width * geometry.height;
    const mask = rasterise(this.settings.mask, geometry.width, geometry.height);
    let unmasked = 0;
    for (const value of mask) unmasked += value === 0 ? 1 : 0;
    this.#relearn = 0;
    this.#state = {
      geometry,
      downscaler: new GrayDownscaler(geometry),
      background: new BackgroundModel(size),
      blobs: new BlobExtractor(geometry.width, geometry.height),
      mask,
      unmasked,
      image: new Float32Array(size),
      changed: new Uint8Array(size),
      histogram: new Uint32Array(256),
    };
    return this.#state;
  }
}
