/**
 * The `motion` section of the detector benchmark (`npm run bench:detector -- --only motion`): what
 * motion-gated inference saves, on a quiet generated clip (60 s, 1280×720 at 25 fps, sensor noise
 * and a slow brightness drift) with two short object windows (a quarter of the clip), detected at
 * 5 fps through the real camera path (decoder → motion gate → slot → scheduler → pool → tracker):
 *  - cpu_s_gate_on / cpu_s_gate_off: CPU seconds of the whole detector for the clip with the speed
 *    model (this process's CPU, its worker threads included, plus the decoder child's, taken from
 *    this process's reaped-children times once the decoder exited); cpu_ratio = on / off;
 *  - inferred_fraction: frames the gate let through to the model, of those decoded (gate on);
 *  - recall_on / recall_off (and precision): `lookout detect` with the bundled test model on the
 *    same clip, which finds its synthetic objects;
 *  - quiet_core_per_camera: CPU per wall second of one 720p camera at 5 fps with no objects
 *    (decode + motion; the model runs on the first frame only);
 *  - motion_ms_per_frame: JS motion analysis of one decoded frame; ffmpeg_gray_ms_per_frame: what a
 *    second, tiny grayscale output of the decoder would cost ffmpeg per frame instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Decoder } from '../../detector/decode/decoder.ts';
import type { DecodedFrame } from '../../detector/decode/frame-parser.ts';
import { InferencePool } from '../../detector/inference/inference-pool.ts';
import { MotionDetector } from '../../detector/motion/motion-detector.ts';
import { DEFAULT_MOTION } from '../../detector/motion/settings.ts';
import type { FrameResult } from '../../detector/publisher.ts';
import { Scheduler } from '../../detector/inference/scheduler.ts';
import { DEFAULT_MODEL_PATH } from '../../detector/service.ts';
import { renderQuietClip, scoreWindows, twoWindows } from '../../detector/test/motion-clips.ts';
import { fileDecoderOptions } from '../../detector/test/clips.ts';
import { BENCH_FPS, benchCamera } from './bench-camera.ts';

const CLOCK_TICKS = 100; // getconf CLK_TCK on Linux
const LOOKOUT = fileURLToPath(new URL('../../bin/lookout.js', import.meta.url));
const WIDTH = 1280;
const HEIGHT = 720;
const FPS = BENCH_FPS;

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Fields 14..17 of /proc/<pid>/stat: utime, stime, cutime, cstime (clock ticks). */
function procTimes(pid: number | 'self'): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { own: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, children: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS };
}

function processCpu(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The whole clip once, in real time, through the camera path; CPU of this process + the decoder child. */
async function gatedRun(clip: string, seconds: number, pool: InferencePool, gate: boolean) {
  const scheduler = new Scheduler({ runner: pool, capacity: pool.capacity, deadlineMs: 62_000 });
  const results: FrameResult[] = [];
  const cam = benchCamera({ id: gate ? 'gate-on' : 'gate-off', clip, pool, scheduler, gate, loop: false, onFrame: (result) => results.push(result) });
  scheduler.add(cam);
  const before = { self: processCpu(), children: procTimes('self').children };
  const started = performance.now();
  await cam.resume();
  const deadline = Date.now() + (seconds + 60) * 1000;
  // The decoder ends with the file (restart: false): wait until its child is gone and the pool idle.
  while (Date.now() < deadline) {
    await sleep(250);
    if (cam.status().pid === undefined && results.length + cam.status().skipped + cam.status().failed >= cam.status().framesDecoded && scheduler.inFlight === 0) break;
  }
  scheduler.stopIntake();
  await cam.stop();
  await scheduler.drain(30_000);
  const wall = (performance.now() - started) / 1000;
  const cpu = processCpu() - before.self + (procTimes('self').children - before.children);
  const status = cam.status();
  return { cpu, wall, decoded: status.framesDecoded, inferred: status.framesInferred, gated: status.framesGated, skipped: status.skipped, withMotion: status.framesWithMotion };
}

/** One camera on a looping quiet clip with no objects: CPU per wall second (this process + decoder). */
async function quietCore(clip: string, pool: InferencePool, seconds: number) {
  const scheduler = new Scheduler({ runner: pool, capacity: pool.capacity, deadlineMs: 62_000 });
  let frames = 0;
  const cam = benchCamera({ id: 'quiet', clip, pool, scheduler, gate: true, loop: true, onFrame: () => frames++ });
  scheduler.add(cam);
  await cam.resume();
  await sleep(3000);
  const pid = cam.status().pid;
  if (pid === undefined) throw new Error('quiet camera: decoder not running');
  const cpu0 = processCpu() + procTimes(pid).own;
  const frames0 = frames;
  const started = performance.now();
  await sleep(seconds * 1000);
  const cpu1 = processCpu() + procTimes(pid).own;
  const wall = (performance.now() - started) / 1000;
  const status = cam.status();
  scheduler.stopIntake();
  await cam.stop();
  await scheduler.drain(30_000);
  return { core: (cpu1 - cpu0) / wall, fps: (frames - frames0) / wall, inferred: status.framesInferred, decoded: status.framesDecoded };
}

/** JS motion analysis per frame, on real decoded frames of the clip (no inference). */
async function motionCost(clip: string, inputSize: number): Promise<number> {
  const frames: DecodedFrame[] = [];
  const decoder = new Decoder(
    fileDecoderOptions(clip, {
      name: 'bench-motion',
      fps: FPS,
      width: inputSize,
      height: inputSize,
      onFrame: (frame) => {
        if (frames.length < 40) frames.push(frame);
      },
    }),
  );
  decoder.start();
  const deadline = Date.now() + 60_000;
  while (frames.length < 40 && Date.now() < deadline) await sleep(50);
  await decoder.stop();
  const detector = new MotionDetector({ ...DEFAULT_MOTION }, inputSize, inputSize);
  for (const frame of frames) detector.analyse(frame.data, frame.letterbox);
  const rounds = 10;
  const started = performance.now();
  for (let round = 0; round < rounds; round++) for (const frame of frames) detector.analyse(frame.data, frame.letterbox);
  return (performance.now() - started) / (rounds * frames.length);
}

/** ffmpeg CPU per frame for the decoder's letterbox output alone, and with a second 114×64 gray output. */
async function ffmpegGrayCost(clip: string, inputSize: number): Promise<{ base: number; withGray: number; frames: number }> {
  const letterbox = `fps=${FPS},scale=${inputSize}:${inputSize}:force_original_aspect_ratio=decrease:flags=bilinear,pad=${inputSize}:${inputSize}:(ow-iw)/2:(oh-ih)/2:color=0x727272,format=rgb24`;
  const run = async (graph: string, outputs: number): Promise<number> => {
    const maps = outputs === 1 ? ['-map', '[a]', '-f', 'rawvideo', '-y', '/dev/null'] : ['-map', '[a]', '-f', 'rawvideo', '-y', '/dev/null', '-map', '[g]', '-f', 'rawvideo', '-y', '/dev/null'];
    const before = procTimes('self').children;
    await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-threads', '1', '-i', clip, '-filter_complex', graph, ...maps], { timeout: 300_000 });
    return procTimes('self').children - before;
  };
  const base = await run(`[0:v]${letterbox}[a]`, 1);
  const withGray = await run(`[0:v]fps=${FPS},split[x][y];[x]${letterbox.slice(`fps=${FPS},`.length)}[a];[y]scale=114:64:flags=area,format=gray[g]`, 2);
  const probe = await execa('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', clip]);
  const frames = Math.round(Number(probe.stdout.trim()) * FPS);
  return { base: (base * 1000) / frames, withGray: (withGray * 1000) / frames, frames };
}

export interface MotionBenchOptions {
  dir: string;
  /** The speed model (YOLOv8n-640 arch fixture) for the CPU figures. */
  speedModel: string;
  threads: number;
  seconds?: number;
  quietSeconds?: number;
}

export async function motionSection(options: MotionBenchOptions) {
  const seconds = options.seconds ?? 60;
  const windows = twoWindows(seconds, WIDTH);
  const clip = join(options.dir, 'motion-windows.mp4');
  const quiet = join(options.dir, 'motion-quiet.mp4');
  const spec = { width: WIDTH, height: HEIGHT, fps: 25, seconds, gop: 50, noise: 12, drift: 0.12 };
  await renderQuietClip(clip, { ...spec, windows });
  await renderQuietClip(quiet, { ...spec, seconds: 20 });

  const pool = await InferencePool.create({ modelPath: options.speedModel, threads: options.threads, workers: 1, timeoutMs: 30_000 });
  let on;
  let off;
  let quietCamera;
  try {
    on = await gatedRun(clip, seconds, pool, true);
    off = await gatedRun(clip, seconds, pool, false);
    quietCamera = await quietCore(quiet, pool, options.quietSeconds ?? 20);
  } finally {
    await pool.close(5000);
  }

  const recall = async (gate: 'on' | 'off') => {
    const result = await execa(process.execPath, [LOOKOUT, 'detect', clip, '--fps', String(FPS), '--hwaccel', 'none', '--threads', '1', '--motion-gate', gate, '--model', DEFAULT_MODEL_PATH], { timeout: 600_000 });
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { pts: number; inferred: boolean; detections: Array<{ label: string; box: number[] }> });
    return { ...scoreWindows(lines, windows, { width: WIDTH, height: HEIGHT }), inferred: lines.filter((line) => line.inferred).length, frames: lines.length };
  };
  const recallOn = await recall('on');
  const recallOff = await recall('off');
  const inputSize = 640;
  const jsMs = await motionCost(quiet, inputSize);
  const ffmpeg = await ffmpegGrayCost(quiet, inputSize);
  return {
    clip: `${seconds} s ${WIDTH}x${HEIGHT} 25 fps H.264 (GOP 50), noise + drift, objects in ${windows.map((window) => `${window.start}-${window.end} s`).join(' and ')}; detect ${FPS} fps, decode all`,
    speed_model: options.speedModel,
    threads: options.threads,
    inferred_fraction: round(on.inferred / Math.max(1, on.decoded)),
    frames: { gate_on: { decoded: on.decoded, inferred: on.inferred, gated: on.gated, skipped: on.skipped, with_motion: on.withMotion }, gate_off: { decoded: off.decoded, inferred: off.inferred, skipped: off.skipped } },
    cpu_s_gate_on: round(on.cpu, 2),
    cpu_s_gate_off: round(off.cpu, 2),
    cpu_ratio: round(on.cpu / off.cpu),
    cpu_ratio_target: 0.4,
    recall_on: round(recallOn.recall),
    recall_off: round(recallOff.recall),
    precision_on: round(recallOn.precision),
    precision_off: round(recallOff.precision),
    recall_model: DEFAULT_MODEL_PATH,
    recall_inferred: { gate_on: recallOn.inferred, gate_off: recallOff.inferred, frames: recallOn.frames },
    quiet_core_per_camera: round(quietCamera.core),
    quiet_core_target: 0.1,
    quiet_fps: round(quietCamera.fps, 2),
    quiet_inferred: quietCamera.inferred,
    motion_ms_per_frame: round(jsMs),
    ffmpeg_ms_per_frame: { letterbox_only: round(ffmpeg.base), with_gray_output: round(ffmpeg.withGray), gray_output_extra: round(ffmpeg.withGray - ffmpeg.base) },
  };
}
