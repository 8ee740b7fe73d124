import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { Decoder, type DecoderEnd } from '../decode/decoder.ts';
import type { DecodeStrategy } from '../decode/decoder-args.ts';
import type { DecodedFrame } from '../decode/frame-parser.ts';
import { fileDecoderOptions, renderClip, tempDir } from './clips.ts';

const dir = tempDir();
const clip1280 = join(dir.path, '1280x720.mp4');
const clip640 = join(dir.path, '640x480.mp4');
const clipPortrait = join(dir.path, '480x640.mp4');

before(async () => {
  await Promise.all([
    renderClip(clip1280, { width: 1280, height: 720, fps: 25, seconds: 4, gop: 25 }),
    renderClip(clip640, { width: 640, height: 480, fps: 10, seconds: 2, gop: 10 }),
    renderClip(clipPortrait, { width: 480, height: 640, fps: 10, seconds: 1, gop: 10 }),
  ]);
});
after(() => dir.dispose());

async function decodeAll(path: string, strategy: DecodeStrategy, fps: number | undefined, size = 320): Promise<{ frames: DecodedFrame[]; end: DecoderEnd }> {
  const frames: DecodedFrame[] = [];
  const decoder = new Decoder(
    fileDecoderOptions(path, { strategy, ...(fps !== undefined ? { fps } : {}), width: size, height: size, onFrame: (frame) => frames.push(frame) }),
  );
  decoder.start();
  const end = await decoder.ended;
  await new Promise((resolve) => setTimeout(resolve, 150));
  await decoder.stop();
  return { frames, end };
}

const pixel = (frame: DecodedFrame, size: number, x: number, y: number) => {
  const offset = (y * size + x) * 3;
  return [frame.data[offset], frame.data[offset + 1], frame.data[offset + 2]];
};

void test('1280x720 at 5 fps: frames of the model size, letterbox from the source size, pts every 0.2 s', async () => {
  const { frames, end } = await decodeAll(clip1280, 'all', 5);
  assert.equal(end.ok, true, end.reason);
  assert.equal(frames.length, 20);
  frames.forEach((frame, index) => {
    assert.equal(frame.index, index);
    assert.ok(Math.abs(frame.pts - index * 0.2) < 1e-6, `pts ${frame.pts} for frame ${index}`);
    assert.equal(frame.data.length, 320 * 320 * 3);
    assert.deepEqual(frame.letterbox, { srcWidth: 1280, srcHeight: 720, scale: 0.25, padX: 0, padY: 70 });
  });
  const first = frames[0] as DecodedFrame;
  assert.deepEqual(pixel(first, 320, 160, 10), [114, 114, 114], 'top bar is the 114 pad');
  assert.deepEqual(pixel(first, 320, 160, 315), [114, 114, 114], 'bottom bar is the 114 pad');
  const inside = pixel(first, 320, 160, 160);
  assert.ok((inside[0] ?? 0) < 60, `picture area is the dark background (got ${inside.join(',')})`);
  assert.ok((pixel(first, 320, 160, 71)[0] ?? 0) < 60 && (pixel(first, 320, 160, 69)[0] ?? 0) === 114, 'the picture starts at row padY');
});

void test('non-16:9 sources: 4:3 pads top and bottom, portrait pads left and right', async () => {
  const wide = await decodeAll(clip640, 'all', undefined, 160);
  assert.equal(wide.frames.length, 20, 'no --fps: every frame');
  assert.deepEqual(wide.frames[0]?.letterbox, { srcWidth: 640, srcHeight: 480, scale: 0.25, padX: 0, padY: 20 });
  assert.ok(Math.abs((wide.frames[3]?.pts ?? 0) - 0.3) < 1e-6);
  const tall = await decodeAll(clipPortrait, 'all', 5, 160);
  assert.equal(tall.frames.length, 5);
  assert.deepEqual(tall.frames[0]?.letterbox, { srcWidth: 480, srcHeight: 640, scale: 0.25, padX: 20, padY: 0 });
  const frame = tall.frames[0] as DecodedFrame;
  assert.deepEqual(pixel(frame, 160, 5, 80), [114, 114, 114]);
  assert.ok((pixel(frame, 160, 80, 80)[0] ?? 0) < 60);
});

void test('keyframes strategy really decodes fewer frames: one per GOP, with the keyframes\' own pts', async () => {
  // Without a sampling filter every decoded frame comes out: 4 decoded of 100 vs all 100.
  const decodedKey = await decodeAll(clip1280, 'keyframes', undefined, 64);
  const decodedAll = await decodeAll(clip1280, 'all', undefined, 64);
  assert.equal(decodedKey.frames.length, 4);
  assert.equal(decodedAll.frames.length, 100);
  const keyframes = await decodeAll(clip1280, 'keyframes', 1);
  const all = await decodeAll(clip1280, 'all', 1);
  assert.deepEqual(keyframes.frames.map((frame) => frame.pts), [0, 1, 2, 3]);
  assert.equal(all.frames.length, 4);
  // Asked for more than the keyframes give: still only the keyframes (no duplicates).
  const many = await decodeAll(clip1280, 'keyframes', 5);
  assert.deepEqual(many.frames.map((frame) => frame.pts), [0, 1, 2, 3]);
  const allAt5 = await decodeAll(clip1280, 'all', 5);
  assert.ok(many.frames.length * 4 < allAt5.frames.length + 1, `${many.frames.length} keyframes vs ${allAt5.frames.length} sampled frames`);
});
