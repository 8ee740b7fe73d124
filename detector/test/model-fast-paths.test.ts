/**
 * The per-frame hot loops take shortcuts for speed: preprocess reads the frame as 32-bit words, the
 * yolov8 decode pre-tests 80×8400 class scores on their float bits as integers. These properties
 * pin both to the obvious code: v / 255 per byte into three planes; a per-candidate argmax with
 * negative scores, ties, scores exactly at the threshold, per-label thresholds and label filters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { postprocess } from '../model/postprocess.ts';
import { rgbToNchw } from '../model/preprocess.ts';
import type { Detection, Letterbox, PostprocessOptions } from '../model/types.ts';

const LB: Letterbox = { srcWidth: 200, srcHeight: 200, scale: 1, padX: 0, padY: 0 };

/** The obvious decode: for each candidate, the first class with the highest score ≥ its threshold floor. */
function reference(data: Float32Array, nc: number, n: number, labels: string[], options: PostprocessOptions): Array<[number, number, number]> {
  const only = options.labels && options.labels.length > 0 ? new Set(options.labels) : undefined;
  const limit = labels.map((l) => (only && !only.has(l) ? Infinity : (options.labelScores?.[l] ?? options.minScore)));
  const floor = Math.min(only ? Infinity : options.minScore, ...limit);
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let arg = -1;
    for (let c = 0; c < nc; c++) {
      const s = data[(4 + c) * n + i]!;
      if (s >= floor && s > best) {
        best = s;
        arg = c;
      }
    }
    if (arg >= 0 && best >= limit[arg]!) out.push([i, arg, best]);
  }
  return out;
}

/** Detections back to [candidate, class, score]: each candidate has a unique box (cx = 10 + 3·i). */
const key = (d: Detection): [number, number, number] => [Math.round((d.box[0] + d.box[2]) / 2 - 10) / 3, d.class, d.score];
const sorted = (rows: Array<[number, number, number]>) => [...rows].sort((a, b) => a[0] - b[0]);

void test('yolov8 decode equals a per-candidate argmax (negatives, ties, scores at the threshold, label thresholds)', () => {
  const score = fc.oneof(
    fc.constantFrom(0, 0.25, 0.5, 0.5000001, 0.4999999, 0.9, 1, -0.5, -1e-30, 1e-40, Math.fround(0.3)),
    fc.float({ min: -2, max: 2, noNaN: true }),
  );
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 40 }),
      fc.array(score, { minLength: 4 * 40, maxLength: 4 * 40 }),
      fc.constantFrom(0, 0.25, 0.3, 0.5, 1e-40, -0.1),
      fc.option(fc.record({ label: fc.constantFrom('a', 'b', 'c', 'd'), score: fc.constantFrom(0.1, 0.7, 0.5) })),
      fc.boolean(),
      (nc, n, scores, minScore, labelScore, filter) => {
        const labels = ['a', 'b', 'c', 'd'].slice(0, nc);
        const data = new Float32Array((4 + nc) * n);
        for (let i = 0; i < n; i++) {
          data[i] = 10 + 3 * i; // cx: unique per candidate
          data[n + i] = 100;
          data[2 * n + i] = 2;
          data[3 * n + i] = 2;
          for (let c = 0; c < nc; c++) data[(4 + c) * n + i] = scores[c * 40 + i]!;
        }
        const options: PostprocessOptions = {
          minScore,
          iouThreshold: 1.01, // keep every box: compare the decode, not NMS
          ...(labelScore ? { labelScores: { [labelScore.label]: labelScore.score } } : {}),
          ...(filter ? { labels: ['a', 'c'] } : {}),
        };
        const got = postprocess({ data, dims: [1, 4 + nc, n] }, 'yolov8', labels, LB, options).map(key);
        assert.deepEqual(sorted(got), sorted(reference(data, nc, n, labels, options)));
      },
    ),
    { numRuns: 300 },
  );
});

void test('preprocess: word-wise (aligned) and byte-wise (unaligned view) both give v / 255 in R, G, B planes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 ** 31 }), (w, h, offset, seed) => {
      const plane = w * h;
      const backing = new Uint8Array(plane * 3 + offset);
      let x = seed;
      for (let i = 0; i < backing.length; i++) backing[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
      const rgb = backing.subarray(offset);
      const out = rgbToNchw(rgb, w, h);
      for (let p = 0; p < plane; p++) {
        for (let ch = 0; ch < 3; ch++) assert.equal(out[ch * plane + p], Math.fround(rgb[p * 3 + ch]! / 255), `w=${w} h=${h} offset=${offset} pixel ${p} channel ${ch}`);
      }
    }),
    { numRuns: 300 },
  );
});
