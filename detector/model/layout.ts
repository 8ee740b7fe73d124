import { ModelError } from './errors.ts';
import type { OutputLayout } from './types.ts';

/** Where a decoded layout puts things: `count` candidates, `classes` class scores each. */
export interface LayoutShape {
  layout: OutputLayout;
  candidates: number;
  classes: number;
}

/**
 * Works out the YOLO output layout from the output tensor's dims (batch 1):
 * - [1, 4+nc, N] with 4+nc < N → `yolov8` (v8/v9/v11 channels-first);
 * - [1, N, 6] → `end2end` unless N equals the YOLOv5 anchor count for the input size
 *   (a one-class v5 model is also [1, N, 6]);
 * - [1, N, 5+nc] → `yolov5` (objectness at index 4).
 * `classCount`, when known from labels, settles the remaining ambiguity.
 */
export function detectLayout(dims: readonly number[], inputSize?: { width: number; height: number }, classCount?: number): LayoutShape {
  const shape = dims.length === 3 && dims[0] === 1 ? dims.slice(1) : undefined;
  if (!shape) throw new ModelError(`unsupported output shape [${dims.join(', ')}]: expected [1, 4+nc, N], [1, N, 5+nc] or [1, N, 6]`);
  const [a, b] = shape as [number, number];
  if (a < b && a > 4) return { layout: 'yolov8', candidates: b, classes: a - 4 };
  if (b === 6 && !(inputSize && a === yolov5AnchorCount(inputSize)) && classCount !== 1) {
    return { layout: 'end2end', candidates: a, classes: classCount ?? 0 };
  }
  if (b >= 6) return { layout: 'yolov5', candidates: a, classes: b - 5 };
  throw new ModelError(`unsupported output shape [${dims.join(', ')}]: not a YOLOv5/v8 or end-to-end [1, N, 6] detector`);
}

/** YOLOv5/v7: 3 anchors per cell at strides 8, 16, 32. */
export function yolov5AnchorCount(size: { width: number; height: number }): number {
  let total = 0;
  for (const stride of [8, 16, 32]) total += 3 * Math.ceil(size.width / stride) * Math.ceil(size.height / stride);
  return total;
}
