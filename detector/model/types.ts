/**
 * Shared shapes of the detector's model layer. The decoder/scheduler side builds on these, so they
 * change only additively.
 */

/**
 * How a YOLO-family model lays out its output tensor.
 * - `yolov8`: [1, 4+nc, N] (v8/v9/v11, Ultralytics export): rows cx,cy,w,h then class scores.
 * - `yolov5`: [1, N, 5+nc] (v5/v7): cx,cy,w,h, objectness, class scores.
 * - `end2end`: [1, N, 6], NMS already done: x1,y1,x2,y2,score,class.
 */
export type OutputLayout = 'yolov8' | 'yolov5' | 'end2end';

/** How a source frame was fitted into the model input: input px = src px * scale + pad. */
export interface Letterbox {
  srcWidth: number;
  srcHeight: number;
  scale: number;
  padX: number;
  padY: number;
}

/** One object found in a frame, in source-frame coordinates. */
export interface Detection {
  label: string;
  class: number;
  score: number;
  /** x1, y1, x2, y2 in source pixels. */
  box: [number, number, number, number];
  /** x1, y1, x2, y2 as fractions (0..1) of the source width/height. */
  boxNorm: [number, number, number, number];
}

/** What was learned about a model when its session was opened. */
export interface ModelInfo {
  path: string;
  inputName: string;
  inputWidth: number;
  inputHeight: number;
  layout: OutputLayout;
  labels: string[];
  /** Execution providers actually in use, e.g. ['cpu'] after a CUDA fallback. */
  providers: string[];
}

/** Filters applied after decoding the raw output. */
export interface PostprocessOptions {
  minScore: number;
  iouThreshold: number;
  /** Per-label minimum score; overrides `minScore` for that label. */
  labelScores?: Record<string, number>;
  /** Minimum box area in source px². */
  minArea?: number;
  /** Keep only these labels (all when absent or empty). */
  labels?: string[];
}
