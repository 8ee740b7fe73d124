import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { DEFAULT_MODEL_PATH } from '../service.ts';
import { CAR, matchRate, PERSON, renderClip, tempDir } from './clips.ts';

const LOOKOUT = fileURLToPath(new URL('../../bin/lookout.js', import.meta.url));

const dir = tempDir();
const clip = join(dir.path, 'boxes-1280x720.mp4');
const clipSquare = join(dir.path, 'boxes-720x720.mp4');
before(async () => {
  await Promise.all([
    renderClip(clip, { width: 1280, height: 720, fps: 25, seconds: 3, gop: 25, boxes: [PERSON, CAR] }),
    renderClip(clipSquare, { width: 720, height: 720, fps: 10, seconds: 1, gop: 10, boxes: [{ ...PERSON, x0: 50 }, { ...CAR, x0: 450 }] }),
  ]);
});
after(() => dir.dispose());

interface Line {
  frame: number;
  pts: number;
  width: number;
  height: number;
  detections: Array<{ label: string; class: number; score: number; box: [number, number, number, number] }>;
}

void test('lookout detect prints one JSON line per sampled frame with boxes in source pixels (IoU ≥ 0.5)', { skip: !existsSync(DEFAULT_MODEL_PATH) && 'test model not built yet' }, async () => {
  const result = await execa(process.execPath, [LOOKOUT, 'detect', clip, '--fps', '5', '--score', '0.5', '--hwaccel', 'none'], { timeout: 120_000, reject: false });
  assert.equal(result.exitCode, 0, result.stderr);
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Line);
  assert.equal(lines.length, 15, 'every sampled frame, no drops');
  lines.forEach((line, index) => {
    assert.equal(line.frame, index);
    assert.ok(Math.abs(line.pts - index * 0.2) < 1e-6);
    assert.equal(line.width, 1280);
    assert.equal(line.height, 720);
    for (const detection of line.detections) assert.deepEqual(Object.keys(detection), ['label', 'class', 'score', 'box']);
  });
  const rate = matchRate(lines, [['person', PERSON], ['car', CAR]]);
  assert.ok(rate >= 0.9, `matched ${Math.round(rate * 100)}% of known boxes`);
});

void test('lookout detect on a square source with --max-frames and keyframes decoding', { skip: !existsSync(DEFAULT_MODEL_PATH) && 'test model not built yet' }, async () => {
  const result = await execa(process.execPath, [LOOKOUT, 'detect', clipSquare, '--max-frames', '3', '--hwaccel', 'none'], { timeout: 120_000, reject: false });
  assert.equal(result.exitCode, 0, result.stderr);
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Line);
  assert.equal(lines.length, 3);
  assert.equal(lines[0]?.width, 720);
  const rate = matchRate(lines, [['person', { ...PERSON, x0: 50 }], ['car', { ...CAR, x0: 450 }]]);
  assert.ok(rate >= 0.9, `matched ${Math.round(rate * 100)}%`);
  const keyframes = await execa(process.execPath, [LOOKOUT, 'detect', clip, '--decode', 'keyframes', '--hwaccel', 'none'], { timeout: 120_000, reject: false });
  assert.equal(keyframes.exitCode, 0, keyframes.stderr);
  assert.deepEqual(keyframes.stdout.trim().split('\n').map((line) => (JSON.parse(line) as Line).pts), [0, 1, 2]);
});

void test('lookout detect: --hwaccel vaapi falls back to software here and still prints every frame', { skip: (!existsSync(DEFAULT_MODEL_PATH) && 'test model not built yet') || (existsSync('/dev/dri/renderD128') && 'a render node exists') }, async () => {
  const result = await execa(process.execPath, [LOOKOUT, 'detect', clipSquare, '--fps', '5', '--hwaccel', 'vaapi'], { timeout: 120_000, reject: false, env: { LOOKOUT_LOG_LEVEL: 'warn' } });
  assert.equal(result.exitCode, 0, result.stderr);
  assert.equal(result.stdout.trim().split('\n').length, 5);
  assert.match(result.stdout + result.stderr, /falling back to software decode/);
});

void test('lookout detect: bad options exit 2 with a message naming the option', async () => {
  const result = await execa(process.execPath, [LOOKOUT, 'detect', clip, '--decode', 'sometimes'], { timeout: 60_000, reject: false });
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /--decode must be auto, keyframes or all/);
  const missing = await execa(process.execPath, [LOOKOUT, 'detect', join(dir.path, 'missing.mp4'), '--hwaccel', 'none'], { timeout: 60_000, reject: false });
  assert.notEqual(missing.exitCode, 0);
});
