import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BackgroundModel } from '../motion/background.ts';
import { BlobExtractor } from '../motion/blobs.ts';
import { normaliseContrast } from '../motion/contrast.ts';
import { GrayDownscaler, motionGeometry } from '../motion/downscale.ts';
import { MotionGate } from '../motion/gate.ts';
import { MotionDetector } from '../motion/motion-detector.ts';
import { rasterise } from '../motion/polygon.ts';
import { DEFAULT_MOTION, type MotionSettings } from '../motion/settings.ts';
import { letterboxFor } from '../decode/frame-parser.ts';

/** A 320x180 source letterboxed into 160x160 (content 160x90 at padY 35), like the decoder's output. */
const INPUT = 160;
const LETTERBOX = letterboxFor(320, 180, INPUT, INPUT);

/** An RGB24 letterboxed frame: gray `level` content, black padding, optional filled rectangles (content pixels). */
function frame(level: number, rects: Array<{ x: number; y: number; w: number; h: number; value: number }> = [], noise?: () => number): Uint8Array {
  const data = new Uint8Array(INPUT * INPUT * 3);
  for (let y = LETTERBOX.padY; y < LETTERBOX.padY + 90; y++) {
    for (let x = 0; x < INPUT; x++) {
      let value = level;
      for (const rect of rects) if (x >= rect.x && x < rect.x + rect.w && y - LETTERBOX.padY >= rect.y && y - LETTERBOX.padY < rect.y + rect.h) value = rect.value;
      value = Math.max(0, Math.min(255, Math.round(value + (noise ? noise() : 0))));
      data.fill(value, (y * INPUT + x) * 3, (y * INPUT + x) * 3 + 3);
    }
  }
  return data;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 2 ** 32) * 2 - 1;
  };
}

const settings = (overrides: Partial<MotionSettings> = {}): MotionSettings => ({ ...DEFAULT_MOTION, frameHeight: 30, contourArea: 4, ...overrides });

void test('downscale: only the content area, box-averaged to the content aspect ratio', () => {
  const geometry = motionGeometry(LETTERBOX, INPUT, INPUT, 30);
  assert.deepEqual([geometry.width, geometry.height, geometry.y0, geometry.contentHeight], [53, 30, 35, 90]);
  const out = new Float32Array(geometry.width * geometry.height);
  // Padding is black; the content is 200: every small pixel must be 200 (no padding averaged in).
  new GrayDownscaler(geometry).apply(frame(200), out);
  assert.ok(out.every((value) => Math.abs(value - 200) < 1), `values ${Math.min(...out)}..${Math.max(...out)}`);
  const half = frame(0, [{ x: 80, y: 0, w: 80, h: 90, value: 255 }]);
  new GrayDownscaler(geometry).apply(half, out);
  assert.ok(out[0]! < 1 && out[geometry.width - 1]! > 254, 'left dark, right bright');
});

void test('background model: first frame learns, running average with alpha, fixed memory', () => {
  const model = new BackgroundModel(4);
  const changed = new Uint8Array(4);
  const ignore = new Uint8Array(4);
  assert.equal(model.diff(Float32Array.from([10, 10, 10, 10]), 5, ignore, changed), 0);
  assert.equal(model.diff(Float32Array.from([10, 30, 10, 14]), 5, ignore, changed), 1);
  assert.deepEqual([...changed], [0, 1, 0, 0]);
  ignore[1] = 1;
  assert.equal(model.diff(Float32Array.from([10, 30, 10, 14]), 5, ignore, changed), 0, 'ignored pixels never change');
  model.update(Float32Array.from([20, 20, 20, 20]), 0.5);
  model.update(Float32Array.from([20, 20, 20, 20]), 0.5);
  ignore[1] = 0;
  assert.equal(model.diff(Float32Array.from([17, 18, 17.5, 20]), 0.4, ignore, changed), 3, 'background is 17.5 after two half-weight updates');
  assert.deepEqual([...changed], [1, 1, 0, 1]);
  assert.equal(model.footprintBytes, 16);
});

void test('blobs: dilation joins an outline, the area minimum counts changed pixels only, noise specks are dropped', () => {
  const width = 20;
  const height = 10;
  const changed = new Uint8Array(width * height);
  // A hollow 5x4 outline (14 changed pixels) and three isolated specks.
  for (let x = 2; x < 7; x++) changed[2 * width + x] = changed[5 * width + x] = 1;
  for (let y = 3; y < 5; y++) changed[y * width + 2] = changed[y * width + 6] = 1;
  changed[8 * width + 15] = changed[1 * width + 18] = changed[9 * width + 0] = 1;
  const blobs = new BlobExtractor(width, height).extract(changed, 3);
  assert.deepEqual(blobs, [{ box: [2, 2, 7, 6], area: 14 }]);
  assert.equal(new BlobExtractor(width, height).extract(changed, 1).length, 4);
});

void test('contrast: a global gain and offset change maps to the same image; a flat noisy scene is stretched at most 4x', () => {
  const base = Float32Array.from({ length: 200 }, (_, i) => 40 + 2 * (i % 50));
  const brighter = base.map((value) => value * 1.5 + 30);
  const ignore = new Uint8Array(200);
  normaliseContrast(base, ignore);
  normaliseContrast(brighter, ignore);
  for (let i = 0; i < 200; i++) assert.ok(Math.abs(base[i]! - brighter[i]!) < 8, `pixel ${i}: ${base[i]} vs ${brighter[i]}`);
  const noise = seeded(7);
  const flat = Float32Array.from({ length: 200 }, () => 50 + noise() * 2);
  normaliseContrast(flat, ignore);
  assert.ok(Math.max(...flat) - Math.min(...flat) <= 4 * 4 + 1e-3, 'range of ±2 noise stays within 16 after the stretch');
});

void test('mask raster: cell centres inside any polygon', () => {
  const mask = rasterise([[[0, 0], [0.5, 0], [0.5, 1], [0, 1]]], 4, 2);
  assert.deepEqual([...mask], [1, 1, 0, 0, 1, 1, 0, 0]);
  const triangle = rasterise([[[0, 0], [0.95, 0], [0, 0.95]]], 10, 10);
  assert.equal(triangle.reduce((sum, value) => sum + value, 0), 45);
});

void test('motion detector: a moving square is motion with a box where it is; a brightness step is not', () => {
  const detector = new MotionDetector(settings(), INPUT, INPUT);
  const noise = seeded(3);
  for (let i = 0; i < 5; i++) assert.equal(detector.analyse(frame(80, [], () => noise() * 6), LETTERBOX).motion, false);
  const moved = detector.analyse(frame(80, [{ x: 100, y: 30, w: 30, h: 30, value: 220 }], () => noise() * 6), LETTERBOX);
  assert.equal(moved.motion, true);
  assert.equal(moved.boxes.length, 1);
  const [x1, y1, x2, y2] = moved.boxes[0]!;
  // The square covers x 100..130 of 160 (0.625..0.8125) and y 30..60 of 90 (0.33..0.67).
  assert.ok(Math.abs(x1 - 0.625) < 0.05 && Math.abs(x2 - 0.8125) < 0.05 && Math.abs(y1 - 0.333) < 0.05 && Math.abs(y2 - 0.667) < 0.05, `box ${moved.boxes[0]}`);
  const calm = new MotionDetector(settings(), INPUT, INPUT);
  for (let level = 60; level <= 120; level += 6) {
    const result = calm.analyse(frame(level, [{ x: 10, y: 10, w: 40, h: 20, value: level + 60 }], () => noise() * 6), LETTERBOX);
    assert.equal(result.motion, false, `global brightness ${level} is not motion`);
  }
});

void test('motion detector: a whole-frame change resets the background, reports no motion and is counted', () => {
  const detector = new MotionDetector(settings(), INPUT, INPUT);
  const texture = Array.from({ length: 8 }, (_, i) => ({ x: i * 20, y: 0, w: 10, h: 90, value: 120 }));
  detector.analyse(frame(40, texture), LETTERBOX);
  detector.analyse(frame(40, texture), LETTERBOX);
  // Lights on: the dark stripes become brighter than the bright ones (not a linear change).
  const lit = Array.from({ length: 8 }, (_, i) => ({ x: i * 20, y: 0, w: 10, h: 90, value: 100 }));
  const step = detector.analyse(frame(200, lit), LETTERBOX);
  assert.deepEqual([step.motion, step.reset], [false, true]);
  assert.ok(step.fraction > 0.5);
  assert.equal(detector.resets, 1);
  const after = detector.analyse(frame(200, lit), LETTERBOX);
  assert.deepEqual([after.motion, after.reset], [false, false], 'the new scene is the background');
});

void test('motion detector: motion only inside a mask polygon is not reported', () => {
  const masked = new MotionDetector(settings({ mask: [[[0.5, 0], [1, 0], [1, 1], [0.5, 1]]] }), INPUT, INPUT);
  const open = new MotionDetector(settings(), INPUT, INPUT);
  for (const detector of [masked, open]) detector.analyse(frame(80), LETTERBOX);
  const square = frame(80, [{ x: 100, y: 30, w: 30, h: 30, value: 220 }]);
  assert.equal(masked.analyse(square, LETTERBOX).motion, false);
  assert.equal(open.analyse(square, LETTERBOX).motion, true);
  const left = frame(80, [{ x: 20, y: 30, w: 30, h: 30, value: 220 }]);
  assert.equal(masked.analyse(left, LETTERBOX).motion, true, 'outside the mask it is still motion');
});

void test('motion detector disabled: every frame counts as motion', () => {
  const detector = new MotionDetector(settings({ enabled: false }), INPUT, INPUT);
  assert.equal(detector.analyse(frame(80), LETTERBOX).motion, true);
  assert.equal(detector.footprintBytes, 0);
});

void test('property: a constant frame sequence (with or without mild noise) never reports motion; memory stays fixed', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 4 }), fc.integer(), (level, count, amplitude, seed) => {
      const detector = new MotionDetector(settings(), INPUT, INPUT);
      const noise = seeded(seed);
      detector.analyse(frame(level), LETTERBOX);
      const bytes = detector.footprintBytes;
      for (let i = 0; i < count; i++) {
        const result = detector.analyse(frame(level, [], () => noise() * amplitude), LETTERBOX);
        if (result.motion || result.reset) return false;
        if (detector.footprintBytes !== bytes) return false;
      }
      return true;
    }),
    { numRuns: 60 },
  );
});

void test('property: any frame sequence keeps the detector within its fixed buffers and a bounded box list', () => {
  const rect = fc.record({ x: fc.integer({ min: 0, max: 150 }), y: fc.integer({ min: 0, max: 80 }), w: fc.integer({ min: 1, max: 60 }), h: fc.integer({ min: 1, max: 60 }), value: fc.integer({ min: 0, max: 255 }) });
  fc.assert(
    fc.property(fc.array(fc.record({ level: fc.integer({ min: 0, max: 255 }), rects: fc.array(rect, { maxLength: 4 }) }), { minLength: 2, maxLength: 25 }), (frames) => {
      const detector = new MotionDetector(settings(), INPUT, INPUT);
      detector.analyse(frame(0), LETTERBOX);
      const bytes = detector.footprintBytes;
      const { width = 0, height = 0 } = detector.geometry ?? {};
      for (const spec of frames) {
        const result = detector.analyse(frame(spec.level, spec.rects), LETTERBOX);
        if (detector.footprintBytes !== bytes) return false;
        if (result.boxes.length > (width * height) / settings().contourArea) return false;
        if (result.fraction < 0 || result.fraction > 1) return false;
        if (result.boxes.some((box) => box.some((value) => value < 0 || value > 1))) return false;
      }
      return true;
    }),
    { numRuns: 40 },
  );
});

void test('gate: first frame, motion, and a re-check of tracked objects every stationary_interval frames; off passes all', () => {
  const gate = new MotionGate({ enabled: true, stationaryInterval: 3 });
  const decisions = [
    gate.decide(false, 0),
    gate.decide(false, 0),
    gate.decide(true, 0),
    gate.decide(false, 1),
    gate.decide(false, 1),
    gate.decide(false, 1),
    gate.decide(false, 1),
    gate.decide(false, 0),
  ].map((decision) => decision.reason);
  assert.deepEqual(decisions, ['first', 'gated', 'motion', 'gated', 'gated', 'tracked', 'gated', 'gated']);
  gate.reset();
  assert.equal(gate.decide(false, 0).reason, 'first');
  const off = new MotionGate({ enabled: false, stationaryInterval: 3 });
  assert.ok([off.decide(false, 0), off.decide(false, 0)].every((decision) => decision.infer && decision.reason === 'gate-off'));
});
