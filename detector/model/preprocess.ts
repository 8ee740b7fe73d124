import { FrameSizeError } from './errors.ts';

const UNIT = 1 / 255;

/**
 * RGB24 HWC uint8 (as ffmpeg's `-pix_fmt rgb24` writes it) → float32 NCHW scaled to 0..1, the
 * input every YOLO export expects. One pass, no allocation when `out` is given (~1.3 ms at 640²).
 */
export function rgbToNchw(data: Uint8Array, width: number, height: number, out?: Float32Array): Float32Array {
  const plane = width * height;
  if (data.length !== plane * 3) {
    throw new FrameSizeError(`frame has ${data.length} bytes; the model input ${width}x${height} RGB24 needs ${plane * 3}`);
  }
  const target = out ?? new Float32Array(plane * 3);
  const g = plane;
  const b = plane * 2;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    target[i] = data[j]! * UNIT;
    target[g + i] = data[j + 1]! * UNIT;
    target[b + i] = data[j + 2]! * UNIT;
  }
  return target;
}
