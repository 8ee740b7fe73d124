/**
 * One camera's post-processing options as the model needs them. `detect.min_area` is configured in
 * main-stream pixels² (boxes leave in the main stream's geometry) while the model's boxes are in
 * detect-stream pixels, so with a separate detect input it is converted with the camera's geometry.
 * The sizes are learned once and rarely change, so the converted options are derived when they do
 * (`update`, after the geometry accepted a frame) and the same object is handed to every inference,
 * instead of a copy per inferred frame.
 */
import type { CameraGeometry } from './geometry/camera-geometry.ts';
import type { Letterbox, PostprocessOptions } from './model/types.ts';

export class CameraPostprocess {
  #current: PostprocessOptions;
  /** The sizes `#current` was derived for (0: not derived yet). */
  #detectWidth = 0;
  #detectHeight = 0;
  #mainWidth = 0;
  #mainHeight = 0;
  /** No min_area, or one input (main = detect): the configured options are used as they are. */
  readonly #fixed: boolean;

  constructor(
    readonly configured: PostprocessOptions,
    readonly geometry: CameraGeometry,
  ) {
    this.#current = configured;
    this.#fixed = !configured.minArea || !geometry.separate;
  }

  /** The options for the next inference (the same object until a size changes). */
  get current(): PostprocessOptions {
    return this.#current;
  }

  /** The geometry accepted a frame of `letterbox`'s size: re-derives the options if a size changed. */
  update(letterbox: Letterbox): void {
    const mainArea = this.configured.minArea;
    if (this.#fixed || !mainArea) return;
    const main = this.geometry.main();
    const mainWidth = main?.width ?? 0;
    const mainHeight = main?.height ?? 0;
    if (letterbox.srcWidth === this.#detectWidth && letterbox.srcHeight === this.#detectHeight && mainWidth === this.#mainWidth && mainHeight === this.#mainHeight) return;
    this.#detectWidth = letterbox.srcWidth;
    this.#detectHeight = letterbox.srcHeight;
    this.#mainWidth = mainWidth;
    this.#mainHeight = mainHeight;
    this.#current = { ...this.configured, minArea: this.geometry.minArea(mainArea) };
  }
}
