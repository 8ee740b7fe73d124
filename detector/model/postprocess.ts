import type { Detection, Letterbox, OutputLayout, PostprocessOptions } from './types.ts';

/** A raw output tensor: the values and their dims, batch 1. */
export interface RawOutput {
  data: Float32Array;
  dims: readonly number[];
}

interface Candidate {
  cls: number;
  score: number;
  /** x1, y1, x2, y2 in model-input pixels. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Most candidates kept for NMS; a random or untrained model can otherwise pass thousands. */
const MAX_CANDIDATES = 3000;
/** Most detections returned per frame. */
const MAX_DETECTIONS = 300;

/**
 * Turns a raw YOLO output into detections in source pixels: decode per layout, score thresholds
 * (global and per label), label filter, class-aware NMS, letterbox undone, clipped, `minArea`.
 */
export function postprocess(
  output: RawOutput,
  layout: OutputLayout,
  labels: readonly string[],
  letterbox: Letterbox,
  options: PostprocessOptions,
): Detection[] {
  const threshold = classThresholds(labels, options);
  const fallback = options.labels && options.labels.length > 0 ? Infinity : options.minScore;
  const floor = Math.min(fallback, ...threshold);
  let candidates = decode(output, layout, (cls) => threshold[cls] ?? fallback, floor);
  if (candidates.length > MAX_CANDIDATES) {
    candidates.sort((p, q) => q.score - p.score);
    candidates = candidates.slice(0, MAX_CANDIDATES);
  }
  const kept = layout === 'end2end' ? candidates.sort((p, q) => q.score - p.score) : nms(candidates, options.iouThreshold);
  const out: Detection[] = [];
  for (const c of kept) {
    const d = toSource(c, labels, letterbox);
    if (options.minArea && (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]) < options.minArea) continue;
    if (d.box[2] <= d.box[0] || d.box[3] <= d.box[1]) continue;
    out.push(d);
    if (out.length >= MAX_DETECTIONS) break;
  }
  return out;
}

/** Minimum score per class index; Infinity for classes filtered out by `options.labels`. */
function classThresholds(labels: readonly string[], options: PostprocessOptions): number[] {
  const only = options.labels && options.labels.length > 0 ? new Set(options.labels) : undefined;
  return labels.map((label) => {
    if (only && !only.has(label)) return Infinity;
    return options.labelScores?.[label] ?? options.minScore;
  });
}

/** Decodes candidates at or above their class's `limit` (`floor` = the lowest limit, for early exits). */
function decode(output: RawOutput, layout: OutputLayout, limit: (cls: number) => number, floor: number): Candidate[] {
  const { data, dims } = output;
  const rows = dims[dims.length - 2] ?? 0;
  const cols = dims[dims.length - 1] ?? 0;
  const out: Candidate[] = [];
  if (layout === 'yolov8') {
    const n = cols;
    // One flat, sequential pass over the class-score rows of the channels-first tensor. The first
    // test compares the score's bits as an unsigned integer: for non-negative floats that orders
    // like the values, and integer loads skip the float→double conversion (2x faster than keeping a
    // running best per candidate for all 80×8400 scores). Negative scores have the sign bit set, so
    // they pass the integer test and are rejected by the exact float test; index math only runs
    // for scores at or above `floor`. Ties keep the lowest class index, like a per-candidate argmax.
    const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
    const floorBits = float32BitsAtMost(floor);
    const best = new Float32Array(n);
    const arg = new Int32Array(n).fill(-1);
    const start = 4 * n;
    const end = rows * n;
    for (let j = start; j < end; j++) {
      if (bits[j]! < floorBits) continue;
      const s = data[j]!;
      if (!(s >= floor)) continue;
      const k = j - start;
      const c = (k / n) | 0;
      const i = k - c * n;
      if (arg[i]! < 0 || s > best[i]!) {
        best[i] = s;
        arg[i] = c;
      }
    }
    for (let i = 0; i < n; i++) {
      const cls = arg[i]!;
      if (cls < 0 || best[i]! < limit(cls)) continue;
      pushCxCyWh(out, cls, best[i]!, data[i]!, data[n + i]!, data[2 * n + i]!, data[3 * n + i]!);
    }
  } else if (layout === 'yolov5') {
    const nc = cols - 5;
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      const objectness = data[row + 4]!;
      if (objectness < floor) continue;
      let best = -1;
      let prob = -Infinity;
      for (let c = 0; c < nc; c++) {
        const s = data[row + 5 + c]!;
        if (s > prob) {
          prob = s;
          best = c;
        }
      }
      const score = objectness * prob;
      if (score < floor || score < limit(best)) continue;
      pushCxCyWh(out, best, score, data[row]!, data[row + 1]!, data[row + 2]!, data[row + 3]!);
    }
  } else {
    for (let i = 0; i < rows; i++) {
      const row = i * cols;
      const score = data[row + 4]!;
      const cls = Math.round(data[row + 5]!);
      if (score < floor || score < limit(cls)) continue;
      out.push({ cls, score, x1: data[row]!, y1: data[row + 1]!, x2: data[row + 2]!, y2: data[row + 3]! });
    }
  }
  return out;
}

/**
 * The bit pattern of the largest float32 ≤ `floor` (0 when `floor` ≤ 0): every non-negative float32
 * `s ≥ floor` has bits ≥ this, compared as unsigned integers.
 */
function float32BitsAtMost(floor: number): number {
  if (Number.isNaN(floor)) return 0xffffffff;
  if (!(floor > 0)) return 0;
  const f = new Float32Array([floor]);
  const u = new Uint32Array(f.buffer);
  if (f[0]! > floor) u[0] = u[0]! - 1;
  return u[0]!;
}

function pushCxCyWh(out: Candidate[], cls: number, score: number, cx: number, cy: number, w: number, h: number): void {
  out.push({ cls, score, x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 });
}

/** Greedy class-aware non-maximum suppression: a box suppresses only boxes of its own class. */
export function nms<T extends { cls: number; score: number; x1: number; y1: number; x2: number; y2: number }>(
  boxes: T[],
  iouThreshold: number,
): T[] {
  const sorted = [...boxes].sort((p, q) => q.score - p.score);
  const kept: T[] = [];
  for (const box of sorted) {
    let suppressed = false;
    for (const k of kept) {
      if (k.cls === box.cls && iou(k, box) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(box);
  }
  return kept;
}

/** Intersection over union of two x1,y1,x2,y2 boxes. */
export function iou(p: { x1: number; y1: number; x2: number; y2: number }, q: { x1: number; y1: number; x2: number; y2: number }): number {
  const w = Math.min(p.x2, q.x2) - Math.max(p.x1, q.x1);
  const h = Math.min(p.y2, q.y2) - Math.max(p.y1, q.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (p.x2 - p.x1) * (p.y2 - p.y1) + (q.x2 - q.x1) * (q.y2 - q.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/** Undoes the letterbox (input px = src px * scale + pad), clips to the source, adds 0..1 coordinates. */
function toSource(c: Candidate, labels: readonly string[], lb: Letterbox): Detection {
  const sx = (v: number): number => clamp((v - lb.padX) / lb.scale, 0, lb.srcWidth);
  const sy = (v: number): number => clamp((v - lb.padY) / lb.scale, 0, lb.srcHeight);
  const box: [number, number, number, number] = [sx(c.x1), sy(c.y1), sx(c.x2), sy(c.y2)];
  return {
    label: labels[c.cls] ?? `class${c.cls}`,
    class: c.cls,
    score: c.score,
    box,
    boxNorm: [box[0] / lb.srcWidth, box[1] / lb.srcHeight, box[2] / lb.srcWidth, box[3] / lb.srcHeight],
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** The letterbox that fits a source into a model input keeping aspect (as ffmpeg's scale+pad does it). */
export function letterboxFor(srcWidth: number, srcHeight: number, inputWidth: number, inputHeight: number): Letterbox {
  const scale = Math.min(inputWidth / srcWidth, inputHeight / srcHeight);
  const w = Math.round(srcWidth * scale);
  const h = Math.round(srcHeight * scale);
  return { srcWidth, srcHeight, scale, padX: Math.floor((inputWidth - w) / 2), padY: Math.floor((inputHeight - h) / 2) };
}
