/**
 * The most recent full frames of every camera (from the decoder's second output; no extra decoder)
 * and the last detections, for latest.jpg and for snapshots. A few frames are kept per camera so a
 * snapshot can use the very frame its detections came from (inference lags decoding by a frame or
 * two), and latest.jpg with boxes draws them on the frame they were found in. JPEGs are encoded
 * on request and the last one per (camera, height, boxes) is reused for `cacheMs`, so many viewers
 * cost one encode; concurrent requests share one encode.
 */
import type { FrameResult } from '../publisher.ts';
import { drawLabelledBox, labelColor } from '../snapshots/draw.ts';
import { encodeJpeg } from '../snapshots/jpeg.ts';
import type { SnapshotMetrics } from '../snapshots/metrics.ts';
import { pictureOf } from '../snapshots/picture.ts';
import type { FullFrame } from './full-frame.ts';

export interface LatestFramesOptions {
  /** Frames kept per camera (bound; the oldest is dropped). */
  ringSize?: number;
  cacheMs?: number;
  quality?: number;
  metrics?: SnapshotMetrics;
}

/** Cached JPEGs across all cameras and sizes. */
const MAX_CACHED = 32;

interface CachedJpeg {
  frameIndex: number;
  at: number;
  jpeg: Promise<Buffer>;
}

export class LatestFrames {
  readonly #frames = new Map<string, FullFrame[]>();
  readonly #results = new Map<string, FrameResult>();
  readonly #cache = new Map<string, CachedJpeg>();

  constructor(readonly options: LatestFramesOptions = {}) {}

  put(camera: string, frame: FullFrame): void {
    const ring = this.#frames.get(camera) ?? [];
    ring.push(frame);
    if (ring.length > (this.options.ringSize ?? 3)) ring.shift();
    this.#frames.set(camera, ring);
  }

  /** Forgets a camera's frames (paused: no stale picture is served). */
  clear(camera: string): void {
    this.#frames.delete(camera);
    this.#results.delete(camera);
    for (const key of [...this.#cache.keys()]) if (key.startsWith(`${camera}|`)) this.#cache.delete(key);
  }

  /** Records the last inference result of a camera (its boxes go on latest.jpg). */
  result(result: FrameResult): void {
    if (result.inferred) this.#results.set(result.camera, result);
  }

  latest(camera: string): FullFrame | undefined {
    return this.#frames.get(camera)?.at(-1);
  }

  /** The kept frame with this index, if still kept. */
  frameFor(camera: string, index: number): FullFrame | undefined {
    return this.#frames.get(camera)?.find((frame) => frame.index === index);
  }

  /** The latest frame as JPEG (undefined: none yet), `height` ≤ the frame's, with the last boxes if asked. */
  jpeg(camera: string, request: { height: number; boxes: boolean }, now = Date.now()): Promise<Buffer> | undefined {
    const latest = this.latest(camera);
    if (!latest) return undefined;
    // With boxes, the frame the last detections came from (a frame or two older) when still kept:
    // boxes drawn on a newer frame would lag behind moving objects.
    const result = this.#results.get(camera);
    const frame = (request.boxes && result && this.frameFor(camera, result.frame)) || latest;
    const key = `${camera}|${request.height}|${request.boxes ? 1 : 0}`;
    const cached = this.#cache.get(key);
    if (cached && (cached.frameIndex === frame.index || now - cached.at < (this.options.cacheMs ?? 500))) return cached.jpeg;
    const started = performance.now();
    const jpeg = this.#encode(frame, request.boxes ? result : undefined, request.height);
    void jpeg.then(
      () => this.options.metrics?.encodeMs.observe({ kind: 'latest' }, performance.now() - started),
      () => this.#cache.delete(key),
    );
    this.#cache.delete(key);
    this.#cache.set(key, { frameIndex: frame.index, at: now, jpeg });
    // Bounded: past MAX_CACHED (many heights asked), the oldest entry goes.
    if (this.#cache.size > MAX_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    return jpeg;
  }

  /** The frame in the main stream's aspect, the result's boxes (main pixels) drawn on it, as JPEG. */
  async #encode(frame: FullFrame, result: FrameResult | undefined, height: number): Promise<Buffer> {
    let image = await pictureOf(frame);
    if (result && result.detections.length > 0) {
      image = { data: new Uint8Array(image.data), width: image.width, height: image.height };
      const scale = image.height / result.height;
      const thickness = Math.max(2, Math.round(image.height / 240));
      for (const detection of result.detections) {
        drawLabelledBox(image, detection.box.map((value) => value * scale), `${detection.label} ${Math.round(detection.score * 100)}%`, labelColor(detection.label), thickness);
      }
    }
    return encodeJpeg(image, { quality: this.options.quality ?? 75, height });
  }
}
