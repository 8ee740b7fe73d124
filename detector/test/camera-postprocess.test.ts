/**
 * A camera's post-processing options (CameraGeometry.postprocessOptions): `min_area` (main pixels²)
 * converted to detect pixels² once per geometry and the same options object reused for every
 * inference, not copied per frame. First on a CameraGeometry whose main size a real ffprobe learns,
 * then through a real CameraDetector (ffmpeg decoder → slot → scheduler → onnxruntime pool with
 * the pixel-exact colour-box model): a box kept only because its area is measured in main pixels,
 * and one dropped by a larger min_area.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../common/log.ts';
import { CameraDetector } from '../camera-detector.ts';
import { decoderInputFrom } from '../decode/decoder-args.ts';
import { letterboxFor } from '../decode/frame-parser.ts';
import { HwaccelFallback } from '../decode/hwaccel.ts';
import { CameraGeometry } from '../geometry/camera-geometry.ts';
import { InferencePool } from '../inference/inference-pool.ts';
import { Scheduler } from '../inference/scheduler.ts';
import { DetectorMetrics } from '../metrics.ts';
import type { FrameResult } from '../publisher.ts';
import { ObjectTracker } from '../track/index.ts';
import { renderClip, tempDir, type MovingBox } from './clips.ts';
import { writeExactBoxModel } from './exact-box-model.ts';
import { liveChildren } from './leak-probe.ts';

// A still red "person" of 80×60 on the 320×180 detect stream, 160×120 on the 640×360 main stream:
// 4800 detect pixels², 19200 main pixels².
const PERSON_DETECT: MovingBox = { color: '0xE01818', width: 80, height: 60, x0: 40, y0: 40, vx: 0, vy: 0 };
const PERSON_MAIN: MovingBox = { ...PERSON_DETECT, width: 160, height: 120, x0: 80, y0: 80 };

const dir = tempDir('lookout-postprocess-');
const sub = join(dir.path, 'sub.mp4');
const main = join(dir.path, 'main.mp4');
const model = join(dir.path, 'exact-boxes.onnx');
before(async () => {
  writeExactBoxModel(model, 320);
  await Promise.all([
    renderClip(sub, { width: 320, height: 180, fps: 5, seconds: 2, gop: 5, boxes: [PERSON_DETECT] }),
    renderClip(main, { width: 640, height: 360, fps: 5, seconds: 1, gop: 5, boxes: [PERSON_MAIN] }),
  ]);
});
after(() => dir.dispose());

/** A separate detect input whose main stream (the 640×360 file) is probed with the real ffprobe. */
function separateGeometry(camera: string): CameraGeometry {
  return new CameraGeometry({
    camera,
    detectInput: 1,
    mainTargets: [{ from: 'camera', input: decoderInputFrom(main) }],
    probeTimeoutMs: 20_000,
    backoff: { initialMs: 100, maxMs: 400, resetAfterMs: 60_000 },
    logger: silentLogger(),
  });
}

void test('options derived once per geometry: the same object until a size changes', async () => {
  const configured = { minScore: 0.5, iouThreshold: 0.45, minArea: 4000, labels: ['person'] };
  const geometry = separateGeometry('yard');
  assert.equal(geometry.postprocessOptions(configured), configured, 'nothing known yet: as configured');

  assert.equal(await geometry.probeOnce(), true, 'main size probed');
  const half = letterboxFor(320, 180, 320, 320);
  assert.equal(geometry.accept(half), true);
  const derived = geometry.postprocessOptions(configured);
  assert.deepEqual(derived, { ...configured, minArea: 1000 }, '4000 main px² on a 2× main stream is 1000 detect px²');
  assert.equal(derived.minArea, geometry.minArea(4000));
  for (let frame = 0; frame < 3; frame++) {
    geometry.accept(half);
    assert.equal(geometry.postprocessOptions(configured), derived, 'no copy per frame');
  }
  assert.deepEqual(configured, { minScore: 0.5, iouThreshold: 0.45, minArea: 4000, labels: ['person'] }, 'the configured options are left alone');

  // The detect stream changes size (a camera reconfigured its sub-stream): derived again.
  const quarter = letterboxFor(160, 90, 320, 320);
  geometry.accept(quarter);
  const again = geometry.postprocessOptions(configured);
  assert.notEqual(again, derived);
  assert.equal(again.minArea, 250, '4× per axis: 4000 / 16');
});

void test('nothing to convert: no min_area, or one input, uses the configured options as they are', async () => {
  const noArea = { minScore: 0.5, iouThreshold: 0.45 };
  const geometry = separateGeometry('yard');
  assert.equal(await geometry.probeOnce(), true);
  const letterbox = letterboxFor(320, 180, 320, 320);
  geometry.accept(letterbox);
  assert.equal(geometry.postprocessOptions(noArea), noArea);

  const withArea = { minScore: 0.5, iouThreshold: 0.45, minArea: 4000 };
  const same = CameraGeometry.sameInput('porch', silentLogger());
  same.accept(letterbox);
  assert.equal(same.postprocessOptions(withArea), withArea, 'main = detect: min_area is already in the model’s pixels');
  assert.equal(withArea.minArea, same.minArea(4000));
});

void test('a real camera applies min_area in main pixels, with one options object for all its inferences', { timeout: 120_000 }, async () => {
  const pool = await InferencePool.create({ modelPath: model, threads: 1, workers: 1, timeoutMs: 30_000 });
  const scheduler = new Scheduler({ runner: pool, capacity: pool.capacity, deadlineMs: 30_000 });
  const results = new Map<string, FrameResult[]>();
  const camera = (id: string, minArea: number): CameraDetector => {
    results.set(id, []);
    return new CameraDetector({
      id,
      decoder: { input: decoderInputFrom(sub, { loop: true, realtime: true }), strategy: 'all', fps: 5, width: 320, height: 320, restart: false, stallMs: 20_000, startMs: 20_000, backoff: { initialMs: 100, maxMs: 100, resetAfterMs: 1000 } },
      hwaccel: new HwaccelFallback({ mode: 'none', reason: 'test' }, 60_000),
      postprocess: { minScore: 0.5, iouThreshold: 0.45, minArea },
      geometry: separateGeometry(id),
      gate: { enabled: false, stationaryInterval: 10 },
      scheduler,
      tracker: new ObjectTracker(),
      sink: { frame: (result) => void results.get(id)?.push(result), event: () => undefined, counts: () => undefined },
      metrics: new DetectorMetrics(),
      logger: silentLogger(),
    });
  };
  // 16000 main px² = 4000 detect px² < 4800: kept (read as detect pixels it would drop the box).
  // 24000 main px² = 6000 detect px² > 4800: dropped.
  const kept = camera('kept', 16_000);
  const dropped = camera('dropped', 24_000);
  const cameras = [kept, dropped];
  try {
    for (const cam of cameras) scheduler.add(cam);
    await Promise.all(cameras.map((cam) => cam.resume()));
    const inferred = (id: string) => (results.get(id) ?? []).filter((result) => result.inferred).length;
    const until = Date.now() + 90_000;
    while ((inferred('kept') < 3 || inferred('dropped') < 3) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(inferred('kept') >= 3 && inferred('dropped') >= 3, `inferred frames: kept ${inferred('kept')}, dropped ${inferred('dropped')}`);

    for (const result of (results.get('kept') ?? []).filter((item) => item.inferred)) {
      assert.deepEqual([result.width, result.height], [640, 360], 'main-stream geometry');
      assert.deepEqual(
        result.detections.map((detection) => detection.label),
        ['person'],
        `frame ${result.frame}`,
      );
    }
    for (const result of (results.get('dropped') ?? []).filter((item) => item.inferred)) assert.deepEqual(result.detections, [], `frame ${result.frame}`);

    assert.equal(kept.postprocess().minArea, 4000);
    assert.equal(dropped.postprocess().minArea, 6000);
    assert.equal(kept.postprocess(), kept.postprocess(), 'one options object, not a copy per call');
  } finally {
    scheduler.stopIntake();
    await Promise.all(cameras.map((cam) => cam.stop()));
    await scheduler.drain(30_000);
    await pool.close(5000);
  }
  assert.deepEqual(liveChildren(), []);
});
