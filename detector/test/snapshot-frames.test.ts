/**
 * The decoder's full-frame output: the PPM stream parser on arbitrary chunking and bad input, and
 * the real decoder (ffmpeg `split`) delivering the same frames twice — letterboxed for the model and
 * at `fullFrameHeight` — with matching indices, where the known red box sits where the clip put it.
 * Also the keeper's choice of the best frame (fully in view first, then score) with real files.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Decoder } from '../decode/decoder.ts';
import { EventStore } from '../event-store/event-store.ts';
import type { DecodedFrame } from '../decode/frame-parser.ts';
import { PpmFrameParser, type FullFrame } from '../latest-frame/full-frame.ts';
import type { FrameResult } from '../publisher.ts';
import { SnapshotFiles } from '../snapshots/snapshot-files.ts';
import { fullyInView, SnapshotKeeper, type SnapshotLook } from '../snapshots/snapshot-keeper.ts';
import type { TrackEvent } from '../track/types.ts';
import { boxAt, fileDecoderOptions, PERSON, renderClip, tempDir } from './clips.ts';
import { liveChildren } from './leak-probe.ts';

const dir = tempDir('lookout-full-frames-');
const clip = join(dir.path, 'person.mp4');
before(() => renderClip(clip, { width: 1280, height: 720, fps: 25, seconds: 3, gop: 25, boxes: [PERSON] }));
after(() => dir.dispose());

function ppm(width: number, height: number, fill: number): Buffer {
  return Buffer.concat([Buffer.from(`P6\n${width} ${height}\n255\n`, 'latin1'), Buffer.alloc(width * height * 3, fill)]);
}

void test('PPM parser: frames across any chunking, numbered from the first index; garbage is reported', () => {
  const stream = Buffer.concat([ppm(4, 2, 1), ppm(3, 3, 2), ppm(4, 2, 3)]);
  for (const size of [1, 2, 7, 13, stream.length]) {
    const frames: FullFrame[] = [];
    const parser = new PpmFrameParser(10, (frame) => frames.push(frame));
    for (let offset = 0; offset < stream.length; offset += size) parser.push(stream.subarray(offset, offset + size));
    assert.deepEqual(
      frames.map((frame) => [frame.index, frame.image.width, frame.image.height, frame.image.data.length, frame.image.data[0]]),
      [
        [10, 4, 2, 24, 1],
        [11, 3, 3, 27, 2],
        [12, 4, 2, 24, 3],
      ],
      `chunks of ${size}`,
    );
    assert.equal(parser.nextIndex, 13);
  }
  const errors: string[] = [];
  new PpmFrameParser(0, () => assert.fail('no frame from garbage'), (message) => errors.push(message)).push(Buffer.alloc(100, 0x41));
  new PpmFrameParser(0, () => assert.fail('no frame from a huge header'), (message) => errors.push(message)).push(Buffer.from('P6\n99999 99999\n255\n'));
  assert.equal(errors.length, 2);
});

void test('real decoder: the full-frame output carries the same frames at fullFrameHeight, index for index', { timeout: 60_000 }, async () => {
  const model: DecodedFrame[] = [];
  const full: FullFrame[] = [];
  const decoder = new Decoder(
    fileDecoderOptions(clip, { name: 'full', fps: 5, fullFrameHeight: 360, onFrame: (frame) => model.push(frame), onFullFrame: (frame) => full.push(frame) }),
  );
  decoder.start();
  const end = await decoder.ended;
  await decoder.stop();
  assert.equal(end.ok, true, end.reason);
  assert.ok(model.length >= 12, `${model.length} model frames`);
  assert.deepEqual(
    full.map((frame) => frame.index),
    model.map((frame) => frame.index),
  );
  for (const [index, frame] of full.entries()) {
    assert.deepEqual([frame.image.width, frame.image.height], [640, 360]);
    // The red box where the clip put it at this frame's pts (scaled by 0.5), sampled at its centre.
    const [x1, y1, x2, y2] = boxAt(PERSON, model[index]!.pts).map((value) => value / 2) as [number, number, number, number];
    const offset = (Math.round((y1 + y2) / 2) * 640 + Math.round((x1 + x2) / 2)) * 3;
    const [r, g, b] = frame.image.data.subarray(offset, offset + 3);
    assert.ok(r! > 180 && g! < 60 && b! < 60, `frame ${frame.index}: red at the box centre (${r},${g},${b})`);
  }
  assert.deepEqual(liveChildren(), []);
});

void test('keeper: a fully visible frame beats one cut by the edge; then the higher score wins', async () => {
  const state = tempDir('lookout-keeper-');
  const store = await EventStore.open(':memory:');
  const files = new SnapshotFiles(join(state.path, 'snapshots'), store, { maxFiles: 100, maxBytes: 1e9, maxAgeMs: 3_600_000 });
  await files.init();
  const frames = new Map<number, FullFrame>();
  const written: Array<{ first: boolean }> = [];
  const look: SnapshotLook = { enabled: true, quality: 70, crop: false, boundingBox: true, allBoxes: false, timestamp: true, thumbnailHeight: 100, zones: [] };
  const keeper = new SnapshotKeeper({ files, look: () => look, frameFor: (_camera, index) => frames.get(index), onWritten: (snapshot) => written.push(snapshot) });
  try {
    const start = Date.now();
    const id = `${(start / 1000).toFixed(6)}.keep01`;
    const step = async (index: number, box: [number, number, number, number], score: number) => {
      const decodedAt = start + index * 200;
      frames.set(index, { index, image: { data: new Uint8Array(320 * 180 * 3).fill(40), width: 320, height: 180 }, receivedAt: decodedAt });
      const result: FrameResult = { camera: 'yard', frame: index, pts: index / 5, width: 640, height: 360, detections: [], decodedAt, inferenceMs: 1, latencyMs: 1, motion: true, inferred: true };
      const event = { type: index === 0 ? 'new' : 'update', id, camera: 'yard', label: 'car', subLabel: null, score, topScore: score, box, boxNorm: box, area: 1, ratio: 1, region: [0, 0, 640, 360], currentZones: [], enteredZones: [], stationary: false, motionlessCount: 0, positionChanges: 0, firstSeen: start, lastSeen: decodedAt, endTime: null, falsePositive: false } as TrackEvent;
      if (index === 0) store.upsert(event);
      keeper.frame(result);
      const facts = keeper.event(event);
      await keeper.idle();
      return facts;
    };
    assert.equal(fullyInView([0, 10, 100, 100], 640, 360), false);
    assert.equal(fullyInView([10, 10, 100, 100], 640, 360), true);
    assert.deepEqual(await step(0, [0, 50, 100, 150], 0.9), { hasSnapshot: false, snapshot: null });
    assert.equal(store.get(id)?.snapshot?.score, 0.9, 'cut by the edge, but the only frame so far');
    await step(1, [20, 50, 120, 150], 0.6);
    assert.equal(store.get(id)?.snapshot?.score, 0.6, 'fully in view beats a higher score at the edge');
    await step(2, [0, 50, 100, 150], 0.95);
    assert.equal(store.get(id)?.snapshot?.score, 0.6, 'at the edge again: not better');
    const facts = await step(3, [30, 50, 130, 150], 0.7);
    assert.equal(store.get(id)?.snapshot?.score, 0.7);
    assert.equal(facts.hasSnapshot, true);
    assert.deepEqual(
      written.map((item) => item.first),
      [true, false, false],
    );
  } finally {
    await files.idle();
    await store.close();
    state.dispose();
  }
});

void test('drawing options: zone outline, other boxes, timestamp, each where asked', async () => {
  const { drawSnapshot } = await import('../snapshots/snapshot-keeper.ts');
  const { labelColor } = await import('../snapshots/draw.ts');
  const source = { data: new Uint8Array(640 * 360 * 3).fill(40), width: 640, height: 360 };
  const event = { id: 'x', camera: 'yard', label: 'person', score: 0.9, box: [100, 100, 200, 300], lastSeen: 0 } as unknown as TrackEvent;
  const result = { camera: 'yard', width: 1280, height: 720, decodedAt: Date.UTC(2026, 0, 2, 3, 4, 5), detections: [{ label: 'car', class: 1, score: 0.8, box: [800, 200, 1000, 400], boxNorm: [0, 0, 0, 0] }] } as unknown as FrameResult;
  const look: SnapshotLook = { enabled: true, quality: 80, crop: false, boundingBox: true, allBoxes: true, timestamp: true, thumbnailHeight: 100, zones: [[[0.5, 0.9], [0.9, 0.9], [0.9, 0.99]]] };
  const drawn = drawSnapshot(source, { event, result, look });
  const at = (x: number, y: number) => [...drawn.data.subarray((y * 640 + x) * 3, (y * 640 + x) * 3 + 3)];
  // Boxes are in source pixels (1280x720) and drawn at half size.
  assert.deepEqual(at(75, 150), [...labelColor('person')], 'event box bottom edge');
  assert.deepEqual(at(75, 100), [40, 40, 40], 'inside the event box: untouched');
  assert.deepEqual(at(500, 150), [...labelColor('car')], 'other box right edge (all_boxes)');
  assert.deepEqual(at(448, 324), [255, 200, 0], 'zone outline (bottom edge at y = 0.9)');
  // The timestamp's background box in the top-left corner.
  assert.deepEqual(at(5, 5), [0, 0, 0]);
  assert.deepEqual([...source.data.subarray(0, 3)], [40, 40, 40], 'the source frame is not drawn on');
  const plain = drawSnapshot(source, { event, result, look: { ...look, allBoxes: false, timestamp: false, zones: [] } });
  assert.deepEqual([...plain.data.subarray((150 * 640 + 500) * 3, (150 * 640 + 500) * 3 + 3)], [40, 40, 40], 'no other boxes without all_boxes');
  assert.deepEqual([...plain.data.subarray((5 * 640 + 5) * 3, (5 * 640 + 5) * 3 + 3)], [40, 40, 40], 'no timestamp');
});
