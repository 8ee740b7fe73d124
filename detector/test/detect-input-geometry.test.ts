/**
 * Detect-stream → main-stream geometry (issue 13 item 1, detector side), without a service: the
 * per-axis mapping (a 2× sub-stream, a squeezed D1 sub-stream of a 16:9 main stream), the model's
 * letterbox of an odd aspect undone and then mapped, `min_area` in main pixels, the picture size of
 * snapshots, and CameraGeometry with the main size unknown (frames held) until a real ffprobe
 * learns it; the probe's deadline and stop() end its child. Also where the decoder and the main
 * size probe read from, per config.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { parseConfig } from '../../common/config/load.ts';
import { silentLogger } from '../../common/log.ts';
import { DecoderInputError } from '../decode/decoder-args.ts';
import { letterboxFor } from '../decode/frame-parser.ts';
import { CameraGeometry } from '../geometry/camera-geometry.ts';
import { mainProbeTargets } from '../geometry/main-targets.ts';
import { areaInDetectPixels, aspectDiffers, detectionsToMain, pictureSize } from '../geometry/stream-geometry.ts';
import { PROBE_USER_AGENT, probeVideoSize, sizeFromProbeJson, VideoSizeProbeError, videoSizeProbeArgs } from '../geometry/video-size-probe.ts';
import { LatestFrames } from '../latest-frame/latest-frames.ts';
import { postprocess } from '../model/postprocess.ts';
import type { Detection } from '../model/types.ts';
import type { FrameResult } from '../publisher.ts';
import { cameraDecoderInput } from '../service.ts';
import { labelColor } from '../snapshots/draw.ts';
import { renderClip, tempDir } from './clips.ts';
import { liveChildren } from './leak-probe.ts';

const dir = tempDir('lookout-geometry-');
const clip = join(dir.path, 'main.mp4');
before(() => renderClip(clip, { width: 320, height: 180, fps: 5, seconds: 1, gop: 5 }));
after(() => dir.dispose());

const near = (actual: readonly number[], expected: readonly number[], tolerance = 1e-9) =>
  assert.ok(
    actual.every((value, index) => Math.abs(value - expected[index]!) <= tolerance),
    `${actual.map((value) => value.toFixed(3)).join(',')} ≠ ${expected.join(',')}`,
  );

const person = (box: [number, number, number, number], detect: { width: number; height: number }): Detection => ({
  label: 'person',
  class: 0,
  score: 0.9,
  box,
  boxNorm: [box[0] / detect.width, box[1] / detect.height, box[2] / detect.width, box[3] / detect.height],
});

void test('mapping: a 640×360 sub-stream box doubles on a 1280×720 main stream; normalised coordinates stay', () => {
  const detect = { width: 640, height: 360 };
  const [mapped] = detectionsToMain([person([50, 75, 170, 175], detect)], detect, { width: 1280, height: 720 });
  near(mapped!.box, [100, 150, 340, 350]);
  near(mapped!.boxNorm, [50 / 640, 75 / 360, 170 / 640, 175 / 360]);
  assert.equal(aspectDiffers(detect, { width: 1280, height: 720 }), false);
  assert.equal(areaInDetectPixels(4000, detect, { width: 1280, height: 720 }), 1000, 'min_area 4000 main px² is 1000 detect px²');
  assert.equal(pictureSize({ width: 640, height: 360 }, { width: 1280, height: 720 }), undefined, 'same aspect: nothing to resample');
  assert.equal(pictureSize({ width: 1280, height: 720 }, { width: 1921, height: 1080 }), undefined, 'within a pixel of rounding');
});

void test('odd aspects: a 704×576 (D1) sub-stream of a 2688×1520 main stream, letterboxed into a 160×160 model', () => {
  const detect = { width: 704, height: 576 };
  const main = { width: 2688, height: 1520 };
  assert.equal(aspectDiffers(detect, main), true);
  // The model saw the squeezed frame letterboxed (pad above and below); it answers in model pixels.
  const letterbox = letterboxFor(detect.width, detect.height, 160, 160);
  assert.ok(letterbox.padX === 0 && letterbox.padY > 0, JSON.stringify(letterbox));
  const inModel = [44 * letterbox.scale, letterbox.padY + 36 * letterbox.scale, 220 * letterbox.scale, letterbox.padY + 180 * letterbox.scale];
  const [found] = postprocess({ data: Float32Array.from([...inModel, 0.9, 0]), dims: [1, 1, 6] }, 'end2end', ['person'], letterbox, { minScore: 0.5, iouThreshold: 0.45 });
  near(found!.box, [44, 36, 220, 180], 1e-3);
  const [mapped] = detectionsToMain([found!], detect, main);
  // x scales by 2688/704, y by 1520/576: the same place in the picture, in main pixels.
  near(mapped!.box, [44 * (2688 / 704), 36 * (1520 / 576), 220 * (2688 / 704), 180 * (1520 / 576)], 1e-2);
  near(mapped!.boxNorm, found!.boxNorm, 1e-6);
  // Its snapshots and latest.jpg are shown with the main aspect, at the frame's height.
  assert.deepEqual(pictureSize({ width: 704, height: 576 }, main), { width: 1019, height: 576 });
});

void test('CameraGeometry with one input: no probe, boxes as decoded, nothing held', async () => {
  const geometry = CameraGeometry.sameInput('yard', silentLogger());
  const letterbox = letterboxFor(1280, 720, 160, 160);
  assert.equal(geometry.accept(letterbox), true);
  geometry.start();
  const detections = [person([1, 2, 3, 4], { width: 1280, height: 720 })];
  assert.deepEqual(geometry.toMain(detections, letterbox), { detections, width: 1280, height: 720 });
  assert.deepEqual(geometry.status(), { detectInput: 0, separate: false, detect: [1280, 720], main: [1280, 720], scale: [1, 1], framesHeld: 0 });
  assert.equal(geometry.pictureSize({ width: 640, height: 360 }), undefined);
  await geometry.stop();
});

void test('main size unknown: frames are held and counted until a real ffprobe learns it (retried with backoff)', { timeout: 60_000 }, async () => {
  const later = join(dir.path, 'later.mp4');
  let held = 0;
  const geometry = new CameraGeometry({
    camera: 'yard',
    detectInput: 1,
    mainTargets: [{ from: 'camera', input: { kind: 'file', path: later, loop: false, realtime: false } }],
    probeTimeoutMs: 10_000,
    backoff: { initialMs: 100, maxMs: 400, resetAfterMs: 60_000 },
    logger: silentLogger(),
    onHeld: () => held++,
  });
  const detect = letterboxFor(160, 90, 160, 160);
  try {
    assert.equal(await geometry.probeOnce(), false, 'the main stream is not there yet');
    geometry.start();
    assert.equal(geometry.accept(detect), false, 'held');
    assert.equal(geometry.accept(detect), false, 'held');
    const box = person([10, 10, 20, 20], { width: 160, height: 90 });
    assert.deepEqual(geometry.toMain([box], detect).width, 160, 'no main size: not mapped (and nothing is published meanwhile)');
    assert.deepEqual(geometry.status(), { detectInput: 1, separate: true, detect: [160, 90], main: null, scale: null, framesHeld: 2 });
    assert.equal(geometry.pictureSize({ width: 160, height: 90 }), undefined);
    // The main stream appears: the next retry finds it.
    copyFileSync(clip, later);
    const until = Date.now() + 30_000;
    while (!geometry.status().main && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(geometry.status(), { detectInput: 1, separate: true, detect: [160, 90], main: [320, 180], scale: [2, 2], framesHeld: 2 });
    assert.equal(geometry.accept(detect), true);
    assert.equal(held, 2);
    const mapped = geometry.toMain([box], detect);
    near(mapped.detections[0]!.box, [20, 20, 40, 40]);
    assert.deepEqual([mapped.width, mapped.height], [320, 180]);
    assert.equal(geometry.minArea(400), 100);
  } finally {
    await geometry.stop();
  }
  assert.deepEqual(liveChildren(), []);
});

void test('size probe: deadline and stop() end a probe of a server that never answers; no secret in the error', { timeout: 60_000 }, async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => (sockets.add(socket), socket.on('error', () => undefined)));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  const url = `rtsp://viewer:hunter2-secret@127.0.0.1:${port}/main`;
  try {
    const started = Date.now();
    const error = await probeVideoSize({ kind: 'rtsp', url, transport: 'tcp' }, { timeoutMs: 1500 }).catch((caught: unknown) => caught);
    assert.ok(error instanceof VideoSizeProbeError, String(error));
    assert.ok(Date.now() - started < 10_000, `bounded: ${Date.now() - started} ms`);
    assert.ok(!error.message.includes('hunter2'), error.message);

    const geometry = new CameraGeometry({
      camera: 'yard',
      detectInput: 1,
      mainTargets: [{ from: 'mediamtx', input: { kind: 'rtsp', url, transport: 'tcp' } }],
      probeTimeoutMs: 60_000,
      backoff: { initialMs: 100, maxMs: 100, resetAfterMs: 1000 },
      logger: silentLogger(),
    });
    geometry.start();
    const until = Date.now() + 10_000;
    while (sockets.size < 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(sockets.size >= 2, 'the loop is probing');
    const stopping = Date.now();
    await geometry.stop();
    assert.ok(Date.now() - stopping < 5000, `stop() ends the probe child: ${Date.now() - stopping} ms`);
    assert.deepEqual(liveChildren(), []);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

void test('size probe: real ffprobe on a file; arguments carry the User-Agent; bad JSON is a clear error', async () => {
  assert.deepEqual(await probeVideoSize({ kind: 'file', path: clip, loop: false, realtime: false }, { timeoutMs: 20_000 }), { width: 320, height: 180 });
  const args = videoSizeProbeArgs({ kind: 'rtsp', url: 'rtsp://cam/main', transport: 'udp' }, 5000);
  assert.deepEqual(args.slice(args.indexOf('-rtsp_transport'), args.indexOf('-rtsp_transport') + 2), ['-rtsp_transport', 'udp']);
  assert.equal(args[args.indexOf('-user_agent') + 1], PROBE_USER_AGENT);
  assert.throws(() => sizeFromProbeJson('{"streams":[]}'), /no video stream with a size/);
  assert.throws(() => sizeFromProbeJson('nope'), /printed no JSON/);
});

void test('where the decoder and the main size probe read from, per config', () => {
  const config = parseConfig({
    cameras: [
      { id: 'one', source: 'rtsp://cam1/main', detect: {} },
      { id: 'direct', source: 'rtsp://cam1/main', rtsp_transport: 'udp', detect: { read_from: 'source' } },
      {
        id: 'two',
        rtsp_transport: 'udp',
        inputs: [
          { source: 'rtsp://u:secret-pw@cam2/main', roles: ['stream'] },
          { source: 'rtsp://u:secret-pw@cam2/sub', roles: ['detect'], rtsp_transport: 'tcp' },
        ],
        detect: {},
      },
      { id: 'twosrc', inputs: [{ source: 'rtsp://cam3/main', roles: ['stream'] }, { source: 'rtsp://cam3/sub', roles: ['detect'] }], detect: { read_from: 'source' } },
      { id: 'twoh264', video: 'h264', inputs: [{ source: 'rtsp://cam4/main', roles: ['stream'] }, { source: 'rtsp://cam4/sub', roles: ['detect'] }], detect: {} },
      { id: 'badsub', inputs: [{ source: 'rtsp://cam5/main', roles: ['stream'] }, { source: 'testsrc://?size=640x360', roles: ['detect'] }], detect: {} },
    ],
  });
  const camera = (id: string) => config.cameras.find((item) => item.id === id)!;
  const mediamtx = (id: string) => `rtsp://127.0.0.1:${config.mediamtx.rtsp_port}/${id}`;
  // One input: read_from keeps its meaning, nothing to probe.
  assert.deepEqual(cameraDecoderInput(config, camera('one')), { kind: 'rtsp', url: mediamtx('one'), transport: 'tcp' });
  assert.deepEqual(cameraDecoderInput(config, camera('direct')), { kind: 'rtsp', url: 'rtsp://cam1/main', transport: 'udp' });
  assert.deepEqual(mainProbeTargets(camera('one'), mediamtx('one')), []);
  // A separate detect input is read directly, with its own transport; the main size comes from mediamtx, then the camera.
  assert.deepEqual(cameraDecoderInput(config, camera('two')), { kind: 'rtsp', url: 'rtsp://u:secret-pw@cam2/sub', transport: 'tcp' });
  assert.deepEqual(mainProbeTargets(camera('two'), mediamtx('two')), [
    { from: 'mediamtx', input: { kind: 'rtsp', url: mediamtx('two'), transport: 'tcp' } },
    { from: 'camera', input: { kind: 'rtsp', url: 'rtsp://u:secret-pw@cam2/main', transport: 'udp' } },
  ]);
  assert.deepEqual(mainProbeTargets(camera('twosrc'), mediamtx('twosrc')), [{ from: 'camera', input: { kind: 'rtsp', url: 'rtsp://cam3/main', transport: 'tcp' } }]);
  assert.deepEqual(
    mainProbeTargets(camera('twoh264'), mediamtx('twoh264')).map((target) => target.from),
    ['mediamtx'],
    'transcoded: only mediamtx has the size viewers get',
  );
  assert.throws(
    () => cameraDecoderInput(config, camera('badsub')),
    (error: unknown) => error instanceof DecoderInputError && /camera badsub: inputs\[1\] \(detect\)/.test(error.message) && !/read it from mediamtx/.test(error.message),
  );
});

void test('latest.jpg of a squeezed sub-stream: main aspect, the box (main pixels) drawn on the object', async () => {
  // A 4:3 sub-stream frame (320×240) of a 16:9 1280×720 main stream; the object fills x 80..160, y 60..120 of it.
  const width = 320;
  const height = 240;
  const data = new Uint8Array(width * height * 3).fill(40);
  for (let y = 60; y < 120; y++) for (let x = 80; x < 160; x++) data.set([224, 24, 24], (y * width + x) * 3);
  const main = { width: 1280, height: 720 };
  const latest = new LatestFrames({ quality: 95 });
  const picture = pictureSize({ width, height }, main);
  assert.deepEqual(picture, { width: 427, height: 240 });
  latest.put('yard', { index: 0, image: { data, width, height }, receivedAt: Date.now(), picture });
  // The detection is a little larger than the object, so its outline lies on the background.
  const [box] = detectionsToMain([person([76, 56, 164, 125], { width, height })], { width, height }, main);
  near(box!.box, [304, 168, 656, 375]);
  const result: FrameResult = { camera: 'yard', frame: 0, pts: 0, width: 1280, height: 720, detections: [box!], decodedAt: Date.now(), inferenceMs: 1, latencyMs: 1, motion: true, inferred: true };
  latest.result(result);
  const jpeg = await latest.jpeg('yard', { height: 240, boxes: true })!;
  const raw = await execa('ffmpeg', ['-v', 'error', '-f', 'image2pipe', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { input: jpeg, encoding: 'buffer', timeout: 20_000 });
  const pixels = Buffer.from(raw.stdout);
  assert.equal(pixels.length, 427 * 240 * 3, 'the picture is 427×240: the main stream aspect');
  const at = (x: number, y: number) => [...pixels.subarray((y * 427 + x) * 3, (y * 427 + x) * 3 + 3)];
  const close = (actual: number[], expected: readonly number[], tolerance: number) => actual.every((value, index) => Math.abs(value - expected[index]!) <= tolerance);
  // Main box / 3 (720 → 240): x 101.3..218.7, y 56..125 — the outline on the right and bottom edges;
  // the object (x 106.7..213.3 once resampled, y 60..120) inside, the background outside.
  assert.ok(close(at(219, 90), labelColor('person'), 60), `right edge ${at(219, 90).join(',')}`);
  assert.ok(close(at(160, 125), labelColor('person'), 60), `bottom edge ${at(160, 125).join(',')}`);
  assert.ok(close(at(190, 90), [224, 24, 24], 50), `object inside ${at(190, 90).join(',')}`);
  assert.ok(close(at(232, 90), [40, 40, 40], 40), `background outside ${at(232, 90).join(',')}`);
  assert.ok(close(at(95, 90), [40, 40, 40], 40), `left of the box: background, not squeezed red (${at(95, 90).join(',')})`);
});
