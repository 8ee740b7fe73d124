/**
 * Detector benchmark: `npm run bench:detector -- --model PATH [--threads N|auto] [--seconds S]`
 * prints ONE JSON object:
 *  - threads: onnxruntime intra-op threads (default auto, as the detector picks them: 1 on 2 cores);
 *    prefetch: whether the pool prepares the next frame while a run is going (a core left for it);
 *  - ort_fps: bare session.run on one prepared tensor (detector-model's measureOrtFps), same threads;
 *    ORT and pipeline are measured in alternating windows (`--rounds`) to share the machine's load;
 *  - pipeline_fps: frames fully processed end to end (ffmpeg decoder → latest-frame slot →
 *    scheduler → pool: preprocess, worker run, postprocess → tracker → sink) from a local looping
 *    H.264 file that offers 1.5x what inference can take (inference-bound), and
 *    ratio = pipeline_fps / ort_fps; pipeline_ms_p50 says where a frame's time went;
 *  - latency_ms_p50/p95: frame out of the decoder → detections handed to the sink, one camera at
 *    the default detect rate (5 fps: frames do not wait behind other frames); the target is one
 *    bare inference (ort_ms_p50) + 20 ms. bound_latency_* is the same in the inference-bound run,
 *    where a frame also waits in its slot for the busy worker (bound_slot_wait_*);
 *  - pipeline_event_loop_delay_ms: the main thread's event-loop delay during the pipeline run
 *    (it does the pre/postprocessing; the inference never runs on it);
 *  - decode_core_per_camera: CPU seconds per wall second of the ffmpeg child decoding a 1080p25
 *    H.264 input at 5 fps (GOP 5), per strategy (utime+stime from /proc/<pid>/stat); `gop50`: the
 *    same with a camera's usual 2 s GOP at 0.5 fps, where keyframes alone decode 1 frame in 50 (3 with
 *    this clip's B-frames: the packets that flush the keyframe out of the reorder buffer, docs/decoding.md);
 *  - rss_mb: resident memory of this process (workers are threads, so included) during the run;
 *  - motion: what motion-gated inference saves (see detector-motion.ts); `--only motion` runs this
 *    section alone, `--speed-model PATH` picks its model (default ../shared/models/yolov8n-arch-640.onnx).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { decoderInputFrom, type DecodeStrategy } from '../../detector/decode/decoder-args.ts';
import { InferencePool } from '../../detector/inference/inference-pool.ts';
import { autoThreads } from '../../detector/model/cpu-budget.ts';
import { measureOrtFps } from '../../detector/model/measure-ort.ts';
import type { InferenceTimings } from '../../detector/model/worker-protocol.ts';
import type { FrameResult } from '../../detector/publisher.ts';
import { Scheduler, type InferenceRunner } from '../../detector/inference/scheduler.ts';
import { DEFAULT_MODEL_PATH } from '../../detector/service.ts';
import { benchCamera } from './bench-camera.ts';
import { cpuSeconds, decodeCost as measureDecodeCost } from './decode-cost.ts';
import { motionSection } from './detector-motion.ts';

/** The shared speed fixture beside the checkout (../shared/models). */
const SPEED_MODEL = fileURLToPath(new URL('../../../shared/models/yolov8n-arch-640.onnx', import.meta.url));

async function render(path: string, width: number, height: number, fps: number, seconds: number, gop: number): Promise<void> {
  const graph = `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds},format=yuv420p`;
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', graph, '-c:v', 'libx264', '-preset', 'veryfast', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', path], { timeout: 300_000 });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The pool as the scheduler sees it, recording where each inference's time went. */
function timedRunner(pool: InferencePool, timings: InferenceTimings[], record: () => boolean): InferenceRunner {
  return {
    acceptsIn: () => pool.acceptsIn(),
    infer: async (frame, options) => {
      const result = await pool.inferWithTimings(frame, options);
      if (record()) timings.push(result.timings);
      return result.detections;
    },
  };
}

/**
 * Throughput: alternates bare-ORT windows and pipeline windows (`rounds` of each) so both see the
 * same machine load (the bench machine is shared); the camera is paused (decoder stopped) during
 * ORT windows. The source offers 1.5x what inference can take (at least a camera's 25 fps), so the
 * pipeline is inference-bound. Then latency: the same camera at the default detect rate (5 fps),
 * where a frame does not wait behind other frames, so what is measured is what the pipeline adds
 * to a frame's own inference.
 */
async function compare(modelPath: string, threads: number, dir: string, seconds: number, rounds: number, latencySeconds: number, latencyFps: number) {
  const probe = await measureOrtFps(modelPath, threads, 2);
  const sourceFps = Math.max(25, Math.min(600, Math.ceil(probe.fps * 1.5)));
  const pool = await InferencePool.create({ modelPath, threads, workers: 1, timeoutMs: 30_000 });
  const big = pool.info.inputWidth >= 480;
  const source = join(dir, `pipeline-${sourceFps}.mp4`);
  await render(source, big ? 640 : 320, big ? 480 : 240, sourceFps, 10, sourceFps);
  const timings: InferenceTimings[] = [];
  let measuring = false;
  const runner = timedRunner(pool, timings, () => measuring);
  const scheduler = new Scheduler({ runner, capacity: pool.capacity, deadlineMs: 62_000 });
  const results: FrameResult[] = [];
  // Every frame of the source (no detect-rate filter): the pipeline is inference-bound.
  const camera = benchCamera({ id: 'bench', clip: source, pool, scheduler, gate: true, loop: true, restart: true, fps: 'source', onFrame: (result) => measuring && results.push(result) });
  scheduler.add(camera);
  const window = seconds / rounds;
  let ortRuns = 0;
  let ortSeconds = 0;
  const ortMs: number[] = [];
  let pipelineSeconds = 0;
  let decoderCpu = 0;
  let rss = 0;
  // The main thread does pre/postprocessing (~1 ms each at 640²): how long does the event loop wait?
  // One histogram per window (a re-enabled one would count the ORT window in between as a delay).
  let loopDelayP99 = 0;
  let loopDelayMax = 0;
  for (let round = 0; round < rounds; round++) {
    const ort = await measureOrtFps(modelPath, threads, window);
    ortRuns += ort.runs;
    ortSeconds += ort.runs / ort.fps;
    ortMs.push(ort.msP50);
    await camera.resume();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const pid = camera.status().pid;
    const cpu0 = pid !== undefined ? cpuSeconds(pid) : 0;
    measuring = true;
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, window * 1000));
    loopDelay.disable();
    loopDelayP99 = Math.max(loopDelayP99, loopDelay.percentile(99) / 1e6);
    loopDelayMax = Math.max(loopDelayMax, loopDelay.max / 1e6);
    measuring = false;
    pipelineSeconds += (performance.now() - started) / 1000;
    if (pid !== undefined && camera.status().pid === pid) decoderCpu += cpuSeconds(pid) - cpu0;
    rss = Math.max(rss, process.memoryUsage().rss);
    await camera.pause();
    await scheduler.drain(65_000);
  }
  const skipped = camera.status().skipped;
  scheduler.stopIntake();
  await camera.stop();
  scheduler.remove('bench');

  // Latency at the default detect rate: a fresh scheduler and camera on the same pool.
  const latencyResults: FrameResult[] = [];
  let latencyMeasuring = false;
  const latencyTimings: InferenceTimings[] = [];
  const latencyScheduler = new Scheduler({ runner: timedRunner(pool, latencyTimings, () => latencyMeasuring), capacity: pool.capacity, deadlineMs: 62_000 });
  const latencyCamera = benchCamera({ id: 'latency', clip: source, pool, scheduler: latencyScheduler, gate: true, loop: true, restart: true, fps: latencyFps, onFrame: (result) => latencyMeasuring && latencyResults.push(result) });
  latencyScheduler.add(latencyCamera);
  await latencyCamera.resume();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  latencyMeasuring = true;
  await new Promise((resolve) => setTimeout(resolve, latencySeconds * 1000));
  latencyMeasuring = false;
  latencyScheduler.stopIntake();
  await latencyCamera.stop();
  await latencyScheduler.drain(65_000);
  rss = Math.max(rss, process.memoryUsage().rss);
  await pool.close(5000);

  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const latencies = sorted(latencyResults.map((result) => result.latencyMs));
  const bound = sorted(results.map((result) => result.latencyMs));
  const waits = sorted(results.map((result) => result.latencyMs - result.inferenceMs));
  const medians = (list: InferenceTimings[]) => {
    const median = (pick: (t: InferenceTimings) => number) => percentile(sorted(list.map(pick)), 0.5);
    return { preprocess: median((t) => t.preprocessMs), queued: median((t) => t.queuedMs), run: median((t) => t.runMs), postprocess: median((t) => t.postprocessMs) };
  };
  return {
    input: `${pool.info.inputWidth}x${pool.info.inputHeight}`,
    prefetch: pool.prefetch,
    sourceFps,
    ortFps: ortRuns / ortSeconds,
    ortMsP50: sorted(ortMs)[Math.floor(ortMs.length / 2)] ?? 0,
    fps: results.length / pipelineSeconds,
    decoderCore: decoderCpu / pipelineSeconds,
    latencyP50: percentile(latencies, 0.5),
    latencyP95: percentile(latencies, 0.95),
    latencyFrames: latencies.length,
    boundLatencyP50: percentile(bound, 0.5),
    boundLatencyP95: percentile(bound, 0.95),
    waitP50: percentile(waits, 0.5),
    waitP95: percentile(waits, 0.95),
    breakdown: medians(timings),
    latencyBreakdown: medians(latencyTimings),
    frames: results.length,
    skipped,
    loopDelayP99,
    loopDelayMax,
    rssMb: rss / 1024 / 1024,
  };
}

/** Live (non-zombie) children of this process other than tsx's esbuild service. */
function liveChildCount(): number {
  let count = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z' && !stat.includes('(esbuild)')) count++;
    } catch {
      // gone
    }
  }
  return count;
}

/** `--pause-cycles N`: N pause/resume cycles of a real camera; what is left afterwards. */
async function pauseCycles(modelPath: string, dir: string, cycles: number) {
  const source = join(dir, 'cycles.mp4');
  await render(source, 320, 240, 10, 5, 10);
  const pool = await InferencePool.create({ modelPath, threads: 1, workers: 1, timeoutMs: 30_000 });
  const scheduler = new Scheduler({ runner: pool, capacity: pool.capacity, deadlineMs: 62_000 });
  let frames = 0;
  const camera = benchCamera({ id: 'cycles', clip: source, pool, scheduler, gate: true, loop: true, restart: true, fps: 10, onFrame: () => frames++ });
  scheduler.add(camera);
  const fds = () => readdirSync('/proc/self/fd').length;
  const handles = () => process.getActiveResourcesInfo().length;
  // Warm-up cycle so lazily created things (esbuild service, pipes) are counted in the baseline.
  await camera.resume();
  await camera.pause();
  const before = { fds: fds(), handles: handles(), rss: process.memoryUsage().rss };
  const started = performance.now();
  for (let cycle = 0; cycle < cycles; cycle++) {
    await camera.resume();
    // Each cycle runs until the decoder delivered a frame (a real start), then pauses.
    const target = camera.status().framesDecoded + 1;
    const deadline = Date.now() + 10_000;
    while (camera.status().framesDecoded < target && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await camera.pause();
  }
  const ms = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 300));
  global.gc?.();
  const after = { fds: fds(), handles: handles(), rss: process.memoryUsage().rss };
  await camera.stop();
  await pool.close(5000);
  return { cycles, ms_per_cycle: round(ms / cycles), frames_decoded: camera.status().framesDecoded, frames_inferred: frames, children_left: liveChildCount(), fd_delta: after.fds - before.fds, handle_delta: after.handles - before.handles, rss_delta_mb: round((after.rss - before.rss) / 1024 / 1024, 1) };
}

/** A looping 1080p file decoded in real time (decode-cost.ts measures the decoder's process group). */
const decodeCost = (path: string, strategy: DecodeStrategy, width: number, height: number, seconds: number, fps = 5, warmupSeconds = 1.5) =>
  measureDecodeCost({ input: decoderInputFrom(path, { loop: true, realtime: true }), strategy, width, height, seconds, fps, warmupSeconds });

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      model: { type: 'string' },
      threads: { type: 'string', default: 'auto' },
      seconds: { type: 'string', default: '12' },
      'decode-seconds': { type: 'string', default: '8' },
      rounds: { type: 'string', default: '3' },
      'latency-seconds': { type: 'string', default: '12' },
      'latency-fps': { type: 'string', default: '5' },
      'pause-cycles': { type: 'string', default: '0' },
      only: { type: 'string' },
      'speed-model': { type: 'string' },
      'motion-seconds': { type: 'string', default: '60' },
    },
  });
  if (values.only !== undefined && values.only !== 'motion') throw new Error(`--only: the only section that runs alone is "motion" (got "${values.only.slice(0, 20)}")`);
  const modelPath = values.model ?? DEFAULT_MODEL_PATH;
  const threads = values.threads === 'auto' ? autoThreads(1) : Number(values.threads);
  const seconds = Number(values.seconds);
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-detector-'));
  const motion = () => motionSection({ dir, speedModel: values['speed-model'] ?? SPEED_MODEL, threads, seconds: Number(values['motion-seconds']) });
  try {
    if (values.only === 'motion') {
      process.stdout.write(`${JSON.stringify({ motion: await motion(), cpus: (await import('node:os')).cpus().length, loadavg_1m: round((await import('node:os')).loadavg()[0] ?? 0) })}\n`);
      return;
    }
    const run = await compare(modelPath, threads, dir, seconds, Number(values.rounds), Number(values['latency-seconds']), Number(values['latency-fps']));
    const hd = join(dir, '1080p25.mp4');
    // GOP of 5 frames (0.2 s) so keyframes alone serve 5 fps, as `decode: auto` requires.
    await render(hd, 1920, 1080, 25, 10, 5);
    const [w, h] = run.input.split('x').map(Number) as [number, number];
    const all = await decodeCost(hd, 'all', w, h, Number(values['decode-seconds']));
    const keyframes = await decodeCost(hd, 'keyframes', w, h, Number(values['decode-seconds']));
    // A camera's usual GOP (2 s): keyframes alone serve 0.5 fps, decoding 1 frame in 50 (3 with B-frames).
    const longGop = join(dir, '1080p25-gop50.mp4');
    await render(longGop, 1920, 1080, 25, 10, 50);
    // Warm-up of 8 s (from when ffmpeg handed keyframes over one to three GOPs late; kept for comparable figures).
    const allLong = await decodeCost(longGop, 'all', w, h, Number(values['decode-seconds']), 0.5, 8);
    const keyframesLong = await decodeCost(longGop, 'keyframes', w, h, Number(values['decode-seconds']), 0.5, 8);
    const result = {
      model: modelPath,
      input: run.input,
      threads,
      threads_setting: values.threads,
      prefetch: run.prefetch,
      ort_fps: round(run.ortFps),
      ort_ms_p50: round(run.ortMsP50),
      pipeline_fps: round(run.fps),
      ratio: round(run.fps / run.ortFps, 3),
      latency_ms_p50: round(run.latencyP50),
      latency_ms_p95: round(run.latencyP95),
      latency_target_ms: round(run.ortMsP50 + 20),
      latency_parts_ms_p50: Object.fromEntries(Object.entries(run.latencyBreakdown).map(([key, value]) => [key, round(value)])),
      latency_setting: `one camera at ${values['latency-fps']} fps (the default detect rate), ${run.latencyFrames} frames`,
      pipeline_source_fps: run.sourceFps,
      pipeline_frames: run.frames,
      pipeline_skipped: run.skipped,
      pipeline_ms_p50: Object.fromEntries(Object.entries(run.breakdown).map(([key, value]) => [key, round(value)])),
      pipeline_decoder_core: round(run.decoderCore, 3),
      pipeline_event_loop_delay_ms: { p99: round(run.loopDelayP99), max: round(run.loopDelayMax) },
      bound_latency_ms_p50: round(run.boundLatencyP50),
      bound_latency_ms_p95: round(run.boundLatencyP95),
      bound_slot_wait_ms_p50: round(run.waitP50),
      bound_slot_wait_ms_p95: round(run.waitP95),
      decode_core_per_camera: {
        input: '1920x1080 25 fps H.264, GOP 5, detect fps 5',
        all: all.core,
        keyframes: keyframes.core,
        all_fps: all.fps,
        keyframes_fps: keyframes.fps,
        gop50: { input: '1920x1080 25 fps H.264, GOP 50 (2 s), detect fps 0.5', all: allLong.core, keyframes: keyframesLong.core, all_fps: allLong.fps, keyframes_fps: keyframesLong.fps },
      },
      rss_mb: round(run.rssMb, 1),
      cpus: (await import('node:os')).cpus().length,
      loadavg_1m: round((await import('node:os')).loadavg()[0] ?? 0),
    };
    const cycles = Number(values['pause-cycles']);
    const withCycles = cycles > 0 ? { ...result, pause_resume: await pauseCycles(modelPath, dir, cycles) } : result;
    const output = { ...withCycles, motion: await motion() };
    process.stdout.write(`${JSON.stringify(output)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
