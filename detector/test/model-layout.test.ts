import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelError } from '../model/errors.ts';
import { detectLayout, yolov5AnchorCount } from '../model/layout.ts';

void test('yolov8 channels-first [1, 4+nc, N]', () => {
  assert.deepEqual(detectLayout([1, 84, 8400]), { layout: 'yolov8', candidates: 8400, classes: 80 });
  assert.deepEqual(detectLayout([1, 6, 400]), { layout: 'yolov8', candidates: 400, classes: 2 });
});

void test('yolov5 [1, N, 5+nc], including one class ([1, N, 6]) recognised by its anchor count', () => {
  assert.deepEqual(detectLayout([1, 25200, 85]), { layout: 'yolov5', candidates: 25200, classes: 80 });
  assert.equal(yolov5AnchorCount({ width: 640, height: 640 }), 25200);
  assert.equal(detectLayout([1, 25200, 6], { width: 640, height: 640 }).layout, 'yolov5');
  assert.equal(detectLayout([1, 300, 6], undefined, 1).layout, 'yolov5');
});

void test('end2end [1, N, 6]', () => {
  assert.equal(detectLayout([1, 300, 6], { width: 640, height: 640 }).layout, 'end2end');
  assert.equal(detectLayout([1, 20, 6], { width: 160, height: 160 }, 2).layout, 'end2end');
});

void test('unsupported shapes are refused with the shape in the message', () => {
  assert.throws(() => detectLayout([1, 1000]), /1, 1000|unsupported/);
  assert.throws(() => detectLayout([2, 84, 8400]), (e: unknown) => e instanceof ModelError && /\[2, 84, 8400\]/.test(e.message));
  assert.throws(() => detectLayout([1, 100, 4]), ModelError);
});
