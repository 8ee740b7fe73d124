/**
 * Decode benchmark: `npm run bench:decode [-- --keyframes N --cost-seconds S --model-size P]` prints
 * ONE JSON object:
 *  - keyframe_latency: `decode: keyframes` on a 25 fps clip with a 2 s GOP, with and without
 *    B-frames, read as a file in real time (`-re`) and over RTSP (the stand-in, published in real
 *    time by ffmpeg `-re`). Per case, for N keyframes: `late_ms` p50/p95/max, where a keyframe with
 *    pts p was due at anchor + p and the anchor is the run's earliest arrival - pts (the best
 *    keyframe counts as on time), against `target_ms`, one frame interval (40 ms), over every
 *    keyframe but the first; `first_keyframe_late_ms` is the first one's (it also waits for
 *    ffmpeg's stream probe and the decoder's set-up);
 *    `first_keyframe_ms` from the decoder's start, which catches a constant delay the anchor cannot
 *    see (a file's pts 0 is read at once, so this is ffmpeg's start plus one decode; an RTSP reader
 *    joins mid-GOP and waits up to one GOP); for files `since_start_ms_p50`, arrival - pts - the
 *    decoder's start: an upper bound of the true lateness that includes ffmpeg's start-up.
 *  - decode_core_per_camera: CPU seconds per wall second of one camera's decoder process group
 *    (decode-cost.ts, as bench:detector measures it) reading a 640x360 H.264 detect sub-stream
 *    over RTSP (25 fps, 2 s GOP, no B-frames, like most cameras) at detect fps 5, per strategy (all,
 *    keyframes, auto: what `decode: auto` picks after probing), against the 0.03 core target; and
 *    the same for 1920x1080, for comparison. `fps` is what each delivered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { chooseStrategy, type DecodeStrategy, type DecoderInput } from '../../detector/decode/decoder-args.ts';
import { probeKeyframeInterval } from '../../detector/decode/stream-probe.ts';
import { decoderTestOptions } from '../../detector/test/clips.ts';
import { runDecoder, type DecoderRun } from '../../detector/test/decoder-run.ts';
import { publishClip } from '../../test/support/publish-clip.ts';
import { startRtspStandIn, type RtspStandIn } from '../../test/support/rtsp-stand-in.ts';
import { decodeCost } from './decode-cost.ts';

const FPS = 25;
const GOP = 50;
const FRAME_MS = 1000 / FPS;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

async function render(path: string, size: string, bframes: number, seconds: number): Promise<void> {
  const graph = `testsrc2=size=${size}:rate=${FPS}:duration=${seconds},format=yuv420p`;
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', graph, '-c:v', 'libx264', '-preset', 'veryfast', '-bf', String(bframes), '-g', String(GOP), '-keyint_min', String(GOP), '-sc_threshold', '0', path], { timeout: 300_000, stdin: 'ignore' });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** A keyframes decoder until `count` frames came (bounded); when it started and what it delivered. */
function keyframeRun(input: DecoderInput, count: number, modelSize: number): Promise<DecoderRun> {
  const options = decoderTestOptions(input, { name: 'bench-latency', strategy: 'keyframes', fps: FPS / GOP, width: modelSize, height: modelSize, backoff: { initialMs: 200, maxMs: 1000, resetAfterMs: 5000 }, onFrame: () => undefined });
  return runDecoder(options, count, (count + 4) * (GOP / FPS) * 1000);
}

function latencyFigures(run: DecoderRun, file: boolean) {
  const offsets = run.frames.map((frame) => frame.decodedAt - frame.pts * 1000);
  const anchor = Math.min(...offsets);
  // The first keyframe after (re)connecting also waits for ffmpeg's stream probe; reported apart.
  const late = offsets.slice(1).map((offset) => offset - anchor).sort((a, b) => a - b);
  const sinceStart = offsets.map((offset) => offset - run.startedAt).sort((a, b) => a - b);
  return {
    keyframes: run.frames.length,
    late_ms: { p50: round(percentile(late, 0.5)), p95: round(percentile(late, 0.95)), max: round(late.at(-1) ?? 0) },
    target_ms: FRAME_MS,
    p95_within_target: percentile(late, 0.95) <= FRAME_MS,
    first_keyframe_ms: round((run.frames[0]?.decodedAt ?? Number.NaN) - run.startedAt),
    first_keyframe_late_ms: round((offsets[0] ?? Number.NaN) - anchor),
    ...(file ? { since_start_ms_p50: round(percentile(sinceStart, 0.5)) } : {}),
  };
}

async function rtspRun(server: RtspStandIn, clip: string, path: string, count: number, modelSize: number) {
  const publisher = await publishClip(server, clip, path);
  try {
    return await keyframeRun({ kind: 'rtsp', url: server.readUrl(path), transport: 'udp' }, count, modelSize);
  } finally {
    await publisher.stop();
  }
}

/** The cost of each strategy for one clip published over RTSP, as a camera's decoder reads it. */
async function costs(server: RtspStandIn, clip: string, label: string, seconds: number, modelSize: number) {
  const path = `cost-${label}`;
  const publisher = await publishClip(server, clip, path);
  try {
    const input: DecoderInput = { kind: 'rtsp', url: server.readUrl(path), transport: 'udp' };
    const interval = await probeKeyframeInterval(input);
    const auto = chooseStrategy('auto', 5, interval);
    const result: Record<string, unknown> = { input: `${label} 25 fps H.264 over RTSP, GOP ${GOP} (2 s), no B-frames, detect fps 5`, keyframe_interval_s: interval, auto_picks: auto };
    for (const strategy of ['all', 'keyframes'] as DecodeStrategy[]) {
      // Warm-up past the first keyframe (a reader joins mid-GOP) and ffmpeg's start.
      const cost = await decodeCost({ input, strategy, width: modelSize, height: modelSize, seconds, fps: 5, warmupSeconds: 3 });
      result[strategy] = cost.core;
      result[`${strategy}_fps`] = cost.fps;
    }
    result.auto = result[auto];
    return result;
  } finally {
    await publisher.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: { keyframes: { type: 'string', default: '8' }, 'cost-seconds': { type: 'string', default: '10' }, 'model-size': { type: 'string', default: '640' } },
  });
  const count = Number(values.keyframes);
  const modelSize = Number(values['model-size']);
  const seconds = Number(values['cost-seconds']);
  if (!(count >= 3) || !(modelSize >= 32) || !(seconds > 0)) throw new Error('--keyframes must be at least 3, --model-size at least 32, --cost-seconds above 0');
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-decode-'));
  const server = await startRtspStandIn();
  try {
    const clipSeconds = (count + 3) * (GOP / FPS);
    const bf = join(dir, 'gop2-bframes.mp4');
    const plain = join(dir, 'gop2.mp4');
    const hd = join(dir, '1080p-gop2.mp4');
    await Promise.all([render(bf, '640x360', 3, clipSeconds), render(plain, '640x360', 0, clipSeconds)]);
    await render(hd, '1920x1080', 0, 12);
    const file = (path: string): DecoderInput => ({ kind: 'file', path, loop: false, realtime: true });
    const keyframe_latency = {
      gop_s: GOP / FPS,
      file_bframes: latencyFigures(await keyframeRun(file(bf), count, modelSize), true),
      file_no_bframes: latencyFigures(await keyframeRun(file(plain), count, modelSize), true),
      rtsp_bframes: latencyFigures(await rtspRun(server, bf, 'bf', count, modelSize), false),
      rtsp_no_bframes: latencyFigures(await rtspRun(server, plain, 'plain', count, modelSize), false),
    };
    const substream = await costs(server, plain, '640x360', seconds, modelSize);
    const full = await costs(server, hd, '1920x1080', seconds, modelSize);
    const output = {
      model_input: `${modelSize}x${modelSize}`,
      keyframe_latency,
      decode_core_per_camera: { ...substream, target_core: 0.03, within_target: { all: Number(substream.all) <= 0.03, keyframes: Number(substream.keyframes) <= 0.03, auto: Number(substream.auto) <= 0.03 }, hd1080: full },
      cpus: cpus().length,
      loadavg_1m: round(loadavg()[0] ?? 0, 2),
    };
    process.stdout.write(`${JSON.stringify(output)}\n`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
