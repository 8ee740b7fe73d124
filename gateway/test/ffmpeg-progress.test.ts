import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FfmpegProgressParser, type ProgressSnapshot } from '../ffmpeg/ffmpeg-progress.ts';

function collect() {
  const progress: ProgressSnapshot[] = [];
  const ends: ProgressSnapshot[] = [];
  const parser = new FfmpegProgressParser({ onProgress: (s) => progress.push(s), onEnd: (s) => ends.push(s) });
  return { parser, progress, ends };
}

// A real block as written by ffmpeg 5.1 with -progress pipe:3.
const BLOCK = (frame: number, us: string) =>
  `frame=${frame}\nfps=25.00\nstream_0_0_q=-1.0\nbitrate=N/A\ntotal_size=1234\nout_time_us=${us}\nout_time_ms=${us}\nout_time=00:00:01.000000\ndup_frames=0\ndrop_frames=0\nspeed=1.0x\nprogress=continue\n`;

void test('emits progress only when frame or out_time_us advances', () => {
  const { parser, progress } = collect();
  parser.push(BLOCK(0, 'N/A'));
  assert.equal(progress.length, 0, 'a first block with frame=0 is not progress yet');
  parser.push(BLOCK(5, '200000'));
  parser.push(BLOCK(5, '200000'));
  assert.equal(progress.length, 1, 'a repeated block is not progress (stalled)');
  parser.push(BLOCK(5, '240000'));
  assert.equal(progress.length, 2, 'out_time_us alone advancing counts (copy without frame counts)');
  assert.deepEqual([progress[1]?.frame, progress[1]?.outTimeUs, progress[1]?.fields.speed], [5, 240000, '1.0x']);
  assert.equal(parser.blocks, 4);
});

void test('handles blocks split at any byte and CRLF line ends', () => {
  const { parser, progress } = collect();
  const text = BLOCK(1, '40000') + BLOCK(2, '80000').replaceAll('\n', '\r\n') + BLOCK(3, '120000');
  for (let i = 0; i < text.length; i += 7) parser.push(Buffer.from(text.slice(i, i + 7)));
  assert.deepEqual(
    progress.map((s) => s.frame),
    [1, 2, 3],
  );
});

void test('progress=end is reported; garbage and overlong lines are ignored', () => {
  const { parser, progress, ends } = collect();
  parser.push('garbage without equals\n=nokey\n');
  parser.push('x'.repeat(10_000));
  parser.push('\nframe=abc\nout_time_us=-5\nprogress=continue\n');
  assert.equal(progress.length, 0);
  parser.push('frame=9\nout_time_us=360000\nprogress=end\n');
  assert.equal(progress.length, 1);
  assert.equal(ends.length, 1);
  assert.equal(ends[0]?.frame, 9);
});
