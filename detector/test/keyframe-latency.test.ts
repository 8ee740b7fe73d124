/**
 * `decode: keyframes` hands each keyframe over when it arrives, not one to three keyframes later:
 * a 2 s GOP clip with B-frames (the hard case: the H.264 reorder buffer), read as a file in real time
 * (`-re`) and over RTSP (the stand-in, published in real time).
 *
 * What is compared: a keyframe with pts p was due at anchor + p; it arrived at `decodedAt`. The
 * anchor is the earliest arrival - pts of the run (the best keyframe counts as on time), so the
 * lateness of each keyframe is (decodedAt - pts) - anchor. That alone cannot see a constant delay,
 * so the first keyframe is also bounded from the decoder's start: a design that holds keyframes
 * back for a GOP holds the first one too (one ffmpeg with -skip_frame nokey: 6 s after start on a
 * file; this pipeline without the packets that follow a keyframe: 3.9 s on a file, 5.8 s over
 * RTSP; both fail here). The strict target (one frame interval, 40 ms) is the benchmark's job
 * (`npm run bench:decode`); here the median may exceed it by a scheduling allowance, because this
 * 2-core machine runs other suites at the same time and three processes (sh, two ffmpegs) and
 * the event loop take turns: 60 ms, a bit more than a 2-core Linux scheduler slice under load.
 * No keyframe may be as late as the next one (one GOP).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { SupervisedChild } from '../../common/child/supervised-child.ts';
import { groupMembers } from '../../common/proc.ts';
import { publishClip } from '../../test/support/publish-clip.ts';
import { startRtspStandIn, type RtspStandIn } from '../../test/support/rtsp-stand-in.ts';
import { Decoder } from '../decode/decoder.ts';
import { fileDecoderOptions, tempDir } from './clips.ts';
import { runDecoder, type DecoderRun as Run } from './decoder-run.ts';

const FPS = 25;
const GOP_SEC = 2;
const FRAME_MS = 1000 / FPS;
const ALLOWANCE_MS = 60;
const dir = tempDir('lookout-keyframe-latency-');
const clip = join(dir.path, 'gop2-bframes.mp4');
let server: RtspStandIn;
let publisher: SupervisedChild | undefined;

before(async () => {
  // veryfast keeps x264's B-frames (ultrafast has none); 3 B-frames with a pyramid: reorder depth 2.
  const graph = `testsrc2=size=640x360:rate=${FPS}:duration=14,format=yuv420p`;
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', graph, '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '3', '-g', String(FPS * GOP_SEC), '-keyint_min', String(FPS * GOP_SEC), '-sc_threshold', '0', clip], { timeout: 60_000, stdin: 'ignore' });
  const { stdout } = await execa('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=has_b_frames', '-of', 'csv=p=0', clip], { timeout: 10_000, stdin: 'ignore' });
  assert.ok(Number(stdout.trim()) >= 1, `the clip must have B-frames (has_b_frames=${stdout.trim()})`);
  server = await startRtspStandIn();
});
after(async () => {
  await publisher?.stop();
  await server?.close();
  dir.dispose();
});

function lateness(run: Run): { anchor: number; late: number[] } {
  const offsets = run.frames.map((frame) => frame.decodedAt - frame.pts * 1000);
  const anchor = Math.min(...offsets);
  return { anchor, late: offsets.map((offset) => offset - anchor) };
}

function assertOnTime(run: Run, label: string, firstBoundMs: number, diagnostic: (message: string) => void): void {
  assert.ok(run.frames.length >= 4, `${label}: ${run.frames.length} keyframes`);
  const pts = run.frames.map((frame) => frame.pts);
  pts.slice(1).forEach((value, index) => assert.ok(Math.abs(value - (pts[index] ?? 0) - GOP_SEC) < 0.01, `${label}: one frame per GOP (pts ${pts.join(', ')})`));
  const firstMs = (run.frames[0]?.decodedAt ?? 0) - run.startedAt;
  assert.ok(firstMs < firstBoundMs, `${label}: first keyframe ${firstMs} ms after the decoder started (bound ${firstBoundMs} ms)`);
  const { late } = lateness(run);
  const sorted = [...late].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const report = `${label}: lateness ${late.map((ms) => Math.round(ms)).join(', ')} ms`;
  diagnostic(`${report}; first keyframe ${firstMs} ms after start`);
  assert.ok(median <= FRAME_MS + ALLOWANCE_MS, `${report}: median above one frame interval + ${ALLOWANCE_MS} ms`);
  assert.ok(Math.max(...late) < GOP_SEC * 1000, `${report}: a keyframe as late as the next one`);
}

void test('file read in real time: every keyframe of a B-frame clip comes out when it is due', async (t) => {
  const run = await runDecoder(
    fileDecoderOptions(clip, { strategy: 'keyframes', fps: 1 / GOP_SEC, width: 160, height: 160, input: { kind: 'file', path: clip, loop: false, realtime: true }, onFrame: () => undefined }),
    6,
    30_000,
  );
  // pts 0 is read at once: startup plus one decode, far below a GOP.
  assertOnTime(run, 'file', GOP_SEC * 1000, (message) => t.diagnostic(message));
});

void test('RTSP (stand-in, published in real time): every keyframe of a B-frame stream comes out when it arrives', async (t) => {
  publisher = await publishClip(server, clip, 'gate');
  const run = await runDecoder(
    {
      ...fileDecoderOptions(clip, { onFrame: () => undefined }),
      input: { kind: 'rtsp', url: server.readUrl('gate'), transport: 'udp' },
      strategy: 'keyframes',
      fps: 1 / GOP_SEC,
      width: 160,
      height: 160,
    },
    6,
    40_000,
  );
  // Joining mid-GOP waits up to one GOP for the first keyframe, plus startup.
  assertOnTime(run, 'rtsp', GOP_SEC * 1000 + 1500, (message) => t.diagnostic(message));
});

void test('a looped file goes on across the loop without a restart (the loop has a stage of its own)', async () => {
  const short = join(dir.path, 'gop1-4s.mp4');
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10:duration=2,format=yuv420p', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '10', short], { timeout: 60_000, stdin: 'ignore' });
  let restarts = 0;
  const run = await runDecoder(
    {
      ...fileDecoderOptions(short, { onFrame: () => undefined }),
      input: { kind: 'file', path: short, loop: true, realtime: true },
      strategy: 'keyframes',
      fps: 1,
      width: 64,
      height: 64,
      restart: true,
      onEvent: (event) => {
        if (event.type === 'restart') restarts++;
      },
    },
    5,
    20_000,
  );
  assert.deepEqual(
    run.frames.map((frame) => frame.pts),
    [0, 1, 2, 3, 4],
    'keyframes every second, on through the loop at 2 s',
  );
  assert.equal(restarts, 0);
});

void test('stop: both stages get SIGTERM and end on their own terms, and nothing of the group is left', async () => {
  let frames = 0;
  const decoder = new Decoder({
    ...fileDecoderOptions(clip, { onFrame: () => frames++ }),
    input: { kind: 'file', path: clip, loop: true, realtime: true },
    strategy: 'keyframes',
    fps: 1 / GOP_SEC,
    width: 64,
    height: 64,
  });
  decoder.start();
  const deadline = Date.now() + 15_000;
  while (frames === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const pid = decoder.pid;
  assert.ok(pid !== undefined && frames > 0, 'the pipeline delivered a frame');
  assert.ok(groupMembers(pid).length >= 4, `sh and three ffmpegs (looped file) in one group: ${groupMembers(pid).length}`);
  await decoder.stop();
  const end = await decoder.ended;
  assert.deepEqual(groupMembers(pid), []);
  assert.equal(end.exit?.signal, null, 'sh waited for the ffmpegs instead of dying of SIGTERM');
  assert.ok(end.stderrTail.some((line) => line.includes('received signal 15')), `the decode stage ended on SIGTERM: ${end.stderrTail.slice(-3).join(' | ')}`);
});

void test('a missing ffmpeg reads as such through sh, as it does without it', async () => {
  const decoder = new Decoder({ ...fileDecoderOptions(clip, { onFrame: () => undefined }), strategy: 'keyframes', ffmpegPath: join(dir.path, 'no-such-ffmpeg') });
  decoder.start();
  const end = await decoder.ended;
  assert.equal(end.ok, false);
  assert.equal(end.reason, 'cannot start ffmpeg (ENOENT)');
});
