import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iou, letterboxFor, nms, postprocess } from '../model/postprocess.ts';
import type { Letterbox } from '../model/types.ts';

const LABELS = ['person', 'car'];
const IDENTITY: Letterbox = { srcWidth: 160, srcHeight: 160, scale: 1, padX: 0, padY: 0 };

/** Builds a yolov8 [1, 4+nc, N] output from rows of [cx, cy, w, h, ...scores]. */
function v8(rows: number[][]): { data: Float32Array; dims: number[] } {
  const n = rows.length;
  const c = rows[0]!.length;
  const data = new Float32Array(c * n);
  rows.forEach((row, i) => row.forEach((v, k) => (data[k * n + i] = v)));
  return { data, dims: [1, c, n] };
}

void test('yolov8 decode: thresholds, class-aware NMS keeps overlapping boxes of different classes', () => {
  const out = v8([
    [50, 50, 20, 20, 0.9, 0.1],
    [51, 51, 20, 20, 0.8, 0.1], // same class, overlaps the first → suppressed
    [50, 50, 20, 20, 0.1, 0.7], // other class, same place → kept
    [120, 120, 10, 10, 0.3, 0.0], // under min score
  ]);
  const dets = postprocess(out, 'yolov8', LABELS, IDENTITY, { minScore: 0.5, iouThreshold: 0.45 });
  assert.equal(dets.length, 2);
  assert.deepEqual(dets.map((d) => [d.label, d.class]), [['person', 0], ['car', 1]]);
  assert.ok(Math.abs(dets[0]!.score - 0.9) < 1e-6);
  assert.deepEqual(dets[0]!.box, [40, 40, 60, 60]);
});

void test('per-label thresholds override min score; label filter drops others', () => {
  const out = v8([
    [50, 50, 20, 20, 0.6, 0.0],
    [120, 120, 20, 20, 0.0, 0.35],
  ]);
  const both = postprocess(out, 'yolov8', LABELS, IDENTITY, { minScore: 0.5, iouThreshold: 0.45, labelScores: { person: 0.7, car: 0.3 } });
  assert.deepEqual(both.map((d) => d.label), ['car']);
  const onlyPerson = postprocess(out, 'yolov8', LABELS, IDENTITY, { minScore: 0.3, iouThreshold: 0.45, labels: ['person'] });
  assert.deepEqual(onlyPerson.map((d) => d.label), ['person']);
});

void test('min_area is in source pixels, after undoing the letterbox', () => {
  // 640x360 source into 160x160: scale 0.25, padY 35. A 20x20 input box = 80x80 = 6400 src px².
  const lb = letterboxFor(640, 360, 160, 160);
  const out = v8([[80, 80, 20, 20, 0.9, 0]]);
  assert.equal(postprocess(out, 'yolov8', LABELS, lb, { minScore: 0.5, iouThreshold: 0.5, minArea: 6000 }).length, 1);
  assert.equal(postprocess(out, 'yolov8', LABELS, lb, { minScore: 0.5, iouThreshold: 0.5, minArea: 7000 }).length, 0);
});

void test('boxes map back through a letterbox with non-square sources, in pixels and 0..1', () => {
  const wide = letterboxFor(640, 360, 160, 160);
  assert.deepEqual(wide, { srcWidth: 640, srcHeight: 360, scale: 0.25, padX: 0, padY: 35 });
  const [d] = postprocess(v8([[40, 60, 20, 10, 0.9, 0]]), 'yolov8', LABELS, wide, { minScore: 0.5, iouThreshold: 0.5 });
  // input x 30..50 → src 120..200; input y 55..65 → (55-35)/0.25 = 80 .. 120
  assert.deepEqual(d!.box, [120, 80, 200, 120]);
  assert.deepEqual(d!.boxNorm, [120 / 640, 80 / 360, 200 / 640, 120 / 360]);

  const tall = letterboxFor(300, 600, 160, 160); // scale 160/600, width 80, padX 40
  assert.equal(tall.padX, 40);
  assert.equal(tall.padY, 0);
  const [t] = postprocess(v8([[80, 80, 40, 40, 0.9, 0]]), 'yolov8', LABELS, tall, { minScore: 0.5, iouThreshold: 0.5 });
  const k = 600 / 160;
  for (const [got, want] of t!.box.map((v, i) => [v, [(60 - 40) * k, 60 * k, (100 - 40) * k, 100 * k][i]!])) {
    assert.ok(Math.abs(got! - want!) < 1e-6, `${got} vs ${want}`);
  }
});

void test('boxes reaching into the padding are clipped to the source frame', () => {
  const lb = letterboxFor(640, 360, 160, 160);
  const [d] = postprocess(v8([[10, 30, 40, 20, 0.9, 0]]), 'yolov8', LABELS, lb, { minScore: 0.5, iouThreshold: 0.5 });
  assert.equal(d!.box[0], 0);
  assert.equal(d!.box[1], 0);
  assert.ok(d!.boxNorm.every((v) => v >= 0 && v <= 1));
});

void test('yolov5 decode multiplies objectness by class probability', () => {
  // [1, N, 5+nc]: cx, cy, w, h, obj, p(person), p(car)
  const rows = [
    [50, 50, 20, 20, 0.9, 0.9, 0.1], // 0.81 person
    [100, 100, 20, 20, 0.6, 0.1, 0.7], // 0.42 car → below 0.5
    [130, 130, 20, 20, 0.3, 1.0, 0.0], // objectness below threshold
  ];
  const data = new Float32Array(rows.flat());
  const dets = postprocess({ data, dims: [1, 3, 7] }, 'yolov5', LABELS, IDENTITY, { minScore: 0.5, iouThreshold: 0.45 });
  assert.equal(dets.length, 1);
  assert.ok(Math.abs(dets[0]!.score - 0.81) < 1e-6);
  const low = postprocess({ data, dims: [1, 3, 7] }, 'yolov5', LABELS, IDENTITY, { minScore: 0.4, iouThreshold: 0.45 });
  assert.deepEqual(low.map((d) => d.label), ['person', 'car']);
});

void test('end2end decode takes x1,y1,x2,y2,score,class as given (no NMS)', () => {
  const rows = [
    [10, 10, 30, 30, 0.9, 1],
    [11, 11, 31, 31, 0.8, 1],
    [0, 0, 0, 0, 0.0, 0],
  ];
  const dets = postprocess({ data: new Float32Array(rows.flat()), dims: [1, 3, 6] }, 'end2end', LABELS, IDENTITY, {
    minScore: 0.5,
    iouThreshold: 0.1,
  });
  assert.deepEqual(dets.map((d) => [d.label, d.box]), [
    ['car', [10, 10, 30, 30]],
    ['car', [11, 11, 31, 31]],
  ]);
});

void test('nms and iou helpers', () => {
  const a = { cls: 0, score: 0.9, x1: 0, y1: 0, x2: 10, y2: 10 };
  const b = { cls: 0, score: 0.8, x1: 5, y1: 0, x2: 15, y2: 10 };
  assert.ok(Math.abs(iou(a, b) - 50 / 150) < 1e-9);
  assert.equal(nms([b, a], 0.3).length, 1);
  assert.equal(nms([b, a], 0.4).length, 2);
  assert.equal(nms([b, { ...a, cls: 1 }], 0.1).length, 2);
});
