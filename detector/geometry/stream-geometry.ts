/**
 * Detect-stream pixels → main-stream pixels. With a separate detect input (a camera's sub-stream,
 * Frigate's `roles: [detect]`), the detector decodes e.g. 640×360 while viewers, zones drawn on the
 * main stream, Home Assistant and the web page all think in the main stream's geometry (e.g.
 * 1920×1080). Everything the detector publishes is mapped here, per axis: a camera's sub-stream
 * shows the whole picture of the main stream, scaled (and sometimes squeezed, e.g. a 704×576 D1
 * sub-stream of a 16:9 main stream), never cropped, so x and y scale independently and normalised
 * (0..1) coordinates are the same in both streams. Pure: unit-tested without any process.
 */
import type { Detection } from '../model/types.ts';

export interface Size {
  width: number;
  height: number;
}

/** Per-axis factors from detect pixels to main pixels. */
export function mainScale(detect: Size, main: Size): { x: number; y: number } {
  return { x: main.width / detect.width, y: main.height / detect.height };
}

/** True when the two streams' aspect ratios differ by more than 1 % (a squeezed sub-stream). */
export function aspectDiffers(detect: Size, main: Size): boolean {
  const { x, y } = mainScale(detect, main);
  return Math.abs(x - y) / Math.max(x, y) > 0.01;
}

/** The detections (boxes in detect pixels) with their boxes in main pixels; `boxNorm` follows the main box. */
export function detectionsToMain(detections: readonly Detection[], detect: Size, main: Size): Detection[] {
  const { x, y } = mainScale(detect, main);
  return detections.map((detection) => {
    const [x1, y1, x2, y2] = detection.box;
    const box: [number, number, number, number] = [x1 * x, y1 * y, x2 * x, y2 * y];
    return { ...detection, box, boxNorm: [box[0] / main.width, box[1] / main.height, box[2] / main.width, box[3] / main.height] };
  });
}

/**
 * A box area threshold in main pixels² (what a user writes in `detect.min_area`) as detect pixels²,
 * for the model's post-processing, which runs on detect-stream boxes.
 */
export function areaInDetectPixels(mainArea: number, detect: Size, main: Size): number {
  const { x, y } = mainScale(detect, main);
  return mainArea / (x * y);
}

/**
 * The size a picture of the detect stream (a full frame `image` for snapshots and latest.jpg) is
 * shown at so it has the main stream's aspect: same height, width from the main aspect. Undefined
 * when it already has it (within the 1 px ffmpeg's even-width rounding leaves): nothing to resample.
 */
export function pictureSize(image: Size, main: Size): Size | undefined {
  const width = Math.max(1, Math.round((image.height * main.width) / main.height));
  return Math.abs(width - image.width) <= 1 ? undefined : { width, height: image.height };
}

/** `[width, height]`, for logs and the status API. */
export function sizeTuple(size: Size | undefined): [number, number] | null {
  return size ? [size.width, size.height] : null;
}
