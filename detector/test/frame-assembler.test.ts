import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameAssembler, type DecodedFrame } from '../decode/frame-parser.ts';

// 6 KiB frames: below half of Node 24.18's 64 KiB Buffer.poolSize (above it on Node 20's 8 KiB pool),
// so a frame allocated from the shared pool would show here on Node 24 and not on Node 20.
const W = 64;
const H = 32;
const BYTES = W * H * 3;
const info = (n: number): string => `[Parsed_showinfo_1 @ 0x1] n:   ${n} pts:  ${n * 512} pts_time:${n * 0.2} duration: 512 fmt:yuv420p s:640x320 i:P`;

void test('recycled frame buffers are reused for later frames; foreign or duplicate buffers are not', () => {
  const frames: DecodedFrame[] = [];
  const assembler = new FrameAssembler({ width: W, height: H, onFrame: (frame) => frames.push(frame) });
  assembler.pushBytes(Buffer.alloc(BYTES, 1));
  assembler.pushLine(info(0));
  assert.equal(frames.length, 1);
  const first = frames[0]!.data;
  assembler.recycle(first);
  assembler.recycle(first);
  // Right length and offset 0, but only the front of a larger buffer: it does not own its memory.
  assembler.recycle(Buffer.alloc(BYTES * 2).subarray(0, BYTES));
  assembler.recycle(Buffer.alloc(BYTES + 1));
  assembler.recycle(new Uint8Array(BYTES));
  // The buffer being filled now is a fresh one; the recycled one is used for the frame after it.
  assembler.pushBytes(Buffer.alloc(BYTES, 2));
  assembler.pushLine(info(1));
  assembler.pushBytes(Buffer.alloc(BYTES, 3));
  assembler.pushLine(info(2));
  assembler.pushBytes(Buffer.alloc(BYTES, 4));
  assembler.pushLine(info(3));
  assert.equal(frames[2]!.data, first, 'frame 2 was written into the recycled buffer');
  assert.equal(first[0], 3);
  assert.deepEqual(frames.map((f) => f.data[0]), [3, 2, 3, 4], 'frame 0 handed its buffer back, so it now shows frame 2');
  assert.notEqual(frames[3]!.data, first, 'a duplicate recycle did not hand the same buffer out twice');
  assert.notEqual(frames[1]!.data, frames[3]!.data);
  for (const frame of frames) assert.equal(frame.data.buffer.byteLength, BYTES, `frame ${frame.index} owns its ArrayBuffer (no pool slice)`);
});
