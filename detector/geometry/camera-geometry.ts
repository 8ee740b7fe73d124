/**
 * One camera's two geometries: the detect stream's (learned from every decoded frame) and the main
 * stream's. With one input they are the same stream and nothing is probed. With a separate detect
 * input the main stream's size is probed with ffprobe (video-size-probe.ts), retried with the shared
 * backoff while it is not up yet (the gateway has not published it, the camera is rebooting).
 *
 * Until the main size is known, decoded frames are HELD: not inferred, nothing published, counted
 * (`framesHeld`, `lookout_detector_frames_held_total`). Publishing detect-stream boxes "flagged"
 * instead would put boxes of the wrong geometry into events, the event store and Home Assistant,
 * where no consumer reads a flag; a short gap in detection is the honest failure. Once known, the
 * main size stays for the detector's lifetime (a camera reconfigured to another resolution is
 * picked up at the next detector start).
 */
import { Backoff, type BackoffOptions } from '../../common/lifecycle/backoff.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import type { Logger } from '../../common/log.ts';
import type { DecoderInput } from '../decode/decoder-args.ts';
import type { Detection, Letterbox, PostprocessOptions } from '../model/types.ts';
import { areaInDetectPixels, aspectDiffers, detectionsToMain, mainScale, pictureSize, sizeTuple, type Size } from './stream-geometry.ts';
import { probeVideoSize } from './video-size-probe.ts';
import type { ChildRecorder } from '../../common/child/recorded-run.ts';

/** Where the main stream's size is probed: mediamtx's republished stream, or the camera's stream input. */
export interface MainProbeTarget {
  from: 'mediamtx' | 'camera';
  input: DecoderInput;
}

export interface CameraGeometryOptions {
  camera: string;
  /** Position of the detect input in `cameras[].inputs` (0 for the one-input shorthand). */
  detectInput: number;
  /** Tried in order on every attempt; empty: one input, the main stream IS the detect stream. */
  mainTargets: MainProbeTarget[];
  ffprobePath?: string;
  /** Deadline of one probe. */
  probeTimeoutMs: number;
  backoff: BackoffOptions;
  logger: Logger;
  /** Counts a held frame (metrics). */
  onHeld?: () => void;
  /** The detector's orphan registry: each size probe is recorded while it runs. */
  children?: ChildRecorder | undefined;
}

/** The geometry part of a camera's status (`GET /api/v1/detect/cameras`). */
export interface GeometryStatus {
  detectInput: number;
  /** The detect input is not the stream input (the detector reads the camera's sub-stream). */
  separate: boolean;
  detect: [number, number] | null;
  main: [number, number] | null;
  /** Detect pixels → main pixels, per axis; null while a size is unknown. */
  scale: [number, number] | null;
  /** Frames not inferred because the main size was not known yet. */
  framesHeld: number;
}

export class CameraGeometry {
  #detect: Size | undefined;
  #main: Size | undefined;
  #held = 0;
  #postprocess: { configured: PostprocessOptions; detect: Size | undefined; main: Size | undefined; options: PostprocessOptions } | undefined;
  /** Why the last probe attempt failed (for the held warning). */
  #lastError = '';
  #loop: { abort: AbortController; done: Promise<void> } | undefined;

  constructor(readonly options: CameraGeometryOptions) {}

  /** A one-input camera: main = detect, nothing to probe. */
  static sameInput(camera: string, logger: Logger): CameraGeometry {
    return new CameraGeometry({ camera, detectInput: 0, mainTargets: [], probeTimeoutMs: 1, backoff: { initialMs: 1, maxMs: 1, resetAfterMs: 1 }, logger });
  }

  get separate(): boolean {
    return this.options.mainTargets.length > 0;
  }

  /** The main stream's size (with one input: the decoded size), undefined while unknown. */
  main(): Size | undefined {
    return this.separate ? this.#main : this.#detect;
  }

  /**
   * Records the decoded frame's size; false when the frame must be held (main size not known yet).
   */
  accept(letterbox: Letterbox): boolean {
    const { srcWidth: width, srcHeight: height } = letterbox;
    if (this.#detect?.width !== width || this.#detect.height !== height) {
      this.#detect = { width, height };
      if (this.#main || !this.separate) this.#logKnown();
    }
    if (!this.separate || this.#main) return true;
    this.#held++;
    this.options.onHeld?.();
    return false;
  }

  /** Detections of a frame (boxes in its detect pixels) in main pixels, with the main size. */
  toMain(detections: Detection[], letterbox: Letterbox): { detections: Detection[]; width: number; height: number } {
    const detect = { width: letterbox.srcWidth, height: letterbox.srcHeight };
    const main = this.separate ? this.#main : undefined;
    if (!main) return { detections, ...detect };
    return { detections: detectionsToMain(detections, detect, main), ...main };
  }

  /** A `detect.min_area` (main pixels²) for the model's post-processing (detect pixels²). */
  minArea(mainArea: number): number {
    const main = this.separate ? this.#main : undefined;
    return main && this.#detect ? areaInDetectPixels(mainArea, this.#detect, main) : mainArea;
  }

  /**
   * The model's post-processing options for this geometry: `configured.minArea` (main pixels²) in
   * detect pixels². Without min_area, with one input or while a size is unknown (frames are held
   * then), `configured` itself; otherwise one derived object per pair of sizes (the sizes are
   * replaced, never mutated, when they change), so an inference costs identity checks, not a copy.
   */
  postprocessOptions(configured: PostprocessOptions): PostprocessOptions {
    if (!configured.minArea || !this.separate || !this.#main || !this.#detect) return configured;
    const memo = this.#postprocess;
    if (memo?.configured === configured && memo.detect === this.#detect && memo.main === this.#main) return memo.options;
    const options = { ...configured, minArea: this.minArea(configured.minArea) };
    this.#postprocess = { configured, detect: this.#detect, main: this.#main, options };
    return options;
  }

  /** The size a full frame of `image`'s size is shown at (main aspect); undefined: as it is. */
  pictureSize(image: Size): Size | undefined {
    return this.separate && this.#main ? pictureSize(image, this.#main) : undefined;
  }

  status(): GeometryStatus {
    const main = this.main();
    const scale = this.#detect && main ? mainScale(this.#detect, main) : undefined;
    return {
      detectInput: this.options.detectInput,
      separate: this.separate,
      detect: sizeTuple(this.#detect),
      main: sizeTuple(main),
      scale: scale ? [round3(scale.x), round3(scale.y)] : null,
      framesHeld: this.#held,
    };
  }

  /** One probe attempt over the targets (the service's start-up plan); true when the size is known. */
  async probeOnce(signal?: AbortSignal): Promise<boolean> {
    if (!this.separate || this.#main) return true;
    const errors: string[] = [];
    for (const target of this.options.mainTargets) {
      if (signal?.aborted) return false;
      try {
        const size = await probeVideoSize(target.input, {
          ...(this.options.ffprobePath ? { ffprobePath: this.options.ffprobePath } : {}),
          timeoutMs: this.options.probeTimeoutMs,
          ...(signal ? { signal } : {}),
          children: this.options.children,
          owner: this.options.camera,
        });
        this.#main = size;
        this.options.logger.info({ camera: this.options.camera, main: sizeTuple(size), from: target.from }, 'main stream size probed');
        if (this.#detect) this.#logKnown();
        return true;
      } catch (error) {
        errors.push(`${target.from}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.#lastError = errors.join('; ');
    return false;
  }

  /** Probes until the main size is known (separate input only); stop() ends it. Idempotent. */
  start(): void {
    if (!this.separate || this.#main || this.#loop) return;
    const abort = new AbortController();
    this.#loop = { abort, done: this.#retry(abort.signal) };
  }

  /** Ends the probe loop and any probe child (awaited). Idempotent. */
  async stop(): Promise<void> {
    const loop = this.#loop;
    this.#loop = undefined;
    if (!loop) return;
    loop.abort.abort();
    await loop.done;
  }

  async #retry(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.options.backoff);
    while (!signal.aborted && !(await this.probeOnce(signal))) {
      if (signal.aborted) break;
      const delay = backoff.next();
      // First failure and every tenth: the log says why detections are held without flooding.
      if (backoff.attempt === 1 || backoff.attempt % 10 === 0) {
        this.options.logger.warn({ camera: this.options.camera, attempt: backoff.attempt, retryInMs: delay, framesHeld: this.#held, err: this.#lastError }, 'main stream size unknown: detections held');
      }
      await sleep(delay, signal);
    }
  }

  #logKnown(): void {
    const status = this.status();
    const squeezed = this.separate && this.#detect && this.#main ? aspectDiffers(this.#detect, this.#main) : false;
    this.options.logger.info({ camera: this.options.camera, detectInput: status.detectInput, separate: status.separate, detect: status.detect, main: status.main, scale: status.scale, ...(squeezed ? { squeezed } : {}) }, 'camera geometry');
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
