/**
 * `npm run bench:capacity`: how many cameras one box holds, and what the gateway itself costs.
 *
 * Detector part (`quiet`, `busy`): looping generated clips (a quiet scene with two short object
 * windows, a busy one with objects most of the time; detector/test/motion-clips.ts), detected at
 * 5 fps through the real camera path (ffmpeg decoder → motion gate, on → latest-frame slot → fair
 * scheduler → onnxruntime worker pool → tracker), cameras added one at a time to one pool until a
 * camera's processed fps falls under 95 % of 5 or the p95 latency of inferred frames exceeds twice
 * one inference (the median of 40 runs on the idle pool, measured before each sweep). Each step
 * warms up 5 s and measures a window; a failed window is measured up to twice more (other load on
 * a shared machine comes in bursts). CPU is this process (worker threads included) plus every
 * decoder child, from /proc; cpu_per_camera is the last sustained step's cores / cameras.
 *
 * Gateway part (`gateway`): 32 `-c copy` publish pipelines from a looping file into the RTSP
 * stand-in (its own process; the stand-in speaks UDP only, and `pipelines.publish_url` names one
 * server, so the 32 pipelines publish over UDP; TCP publishing is proven by
 * gateway/test/publish-tcp.test.ts), the gateway in this process; its own CPU share over a window
 * after warm-up from /proc/self/stat (utime + stime: children excluded).
 *
 * Options: --only gateway|quiet|busy (repeatable), --max-cameras N (default 16), --model PATH
 * (default ../shared/models/yolov8n-arch-320.onnx), --threads N (default: what `detector.threads: auto`
 * gives one worker), --window S
 * (seconds measured per step, default 20), --gateway-window S (default 30), --width/--height of the
 * clips (default 640×360, a typical detect sub-stream), --latency-factor F (the p95 bound in
 * inferences, default 2 as the issue asks). Prints one JSON object.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseConfig } from '../../common/config/load.ts';
import { CameraDetector } from '../../detector/camera-detector.ts';
import { letterboxFor } from '../../detector/decode/frame-parser.ts';
import { InferencePool } from '../../detector/inference/inference-pool.ts';
import { autoThreads } from '../../detector/model/cpu-budget.ts';
import type { FrameResult } from '../../detector/publisher.ts';
import { Scheduler } from '../../detector/inference/scheduler.ts';
import { renderQuietClip, type ObjectWindow } from '../../detector/test/motion-clips.ts';
import { GatewayService } from '../../gateway/service.ts';
import { OwnedChild } from '../soak/child.ts';
import { CLOCK_TICKS, cpuTicks } from '../soak/proc-table.ts';
import { benchCamera } from './bench-camera.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FPS = 5;
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;
/** What must be stopped if the run is interrupted (Ctrl-C, SIGTERM): cameras, the gateway, the stand-in. */
const running = new Set<() => Promise<void>>();

function args() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      'max-cameras': { type: 'string', default: '16' },
      model: { type: 'string', default: resolve(ROOT, '../shared/models/yolov8n-arch-320.onnx') },
      // What `detector.threads: auto` gives one worker on this machine (every core but one).
      threads: { type: 'string', default: String(autoThreads(1)) },
      window: { type: 'string', default: '20' },
      'gateway-window': { type: 'string', default: '30' },
      pipelines: { type: 'string', default: '32' },
      'latency-factor': { type: 'string', default: '2' },
      width: { type: 'string', default: '640' },
      height: { type: 'string', default: '360' },
    },
  });
  const number = (name: keyof typeof values, min: number, max: number): number => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer from ${min} to ${max} (got "${String(values[name])}")`);
    return value;
  };
  const parts = values.only ?? ['quiet', 'busy', 'gateway'];
  for (const part of parts) if (!['quiet', 'busy', 'gateway'].includes(part)) throw new Error(`--only must be quiet, busy or gateway (got "${part}")`);
  if (!existsSync(values.model)) throw new Error(`--model: ${values.model} does not exist`);
  return {
    parts,
    maxCameras: number('max-cameras', 1, 64),
    model: values.model,
    threads: number('threads', 1, 64),
    windowS: number('window', 5, 600),
    gatewayWindowS: number('gateway-window', 5, 600),
    pipelines: number('pipelines', 1, 64),
    latencyFactor: number('latency-factor', 1, 100),
    width: number('width', 64, 3840),
    height: number('height', 64, 2160),
  };
}

function log(line: string): void {
  process.stderr.write(`[capacity] ${line}\n`);
}

/** A box crossing the frame from `start` for `span` seconds. */
function crossing(label: 'person' | 'car', start: number, span: number, width: number, height: number): ObjectWindow {
  const w = Math.round(width * 0.18);
  const h = Math.round(height * 0.3);
  const color = label === 'person' ? '0xE01818' : '0x18D018';
  return { label, start, end: start + span, box: { color, width: w, height: h, x0: 0, y0: Math.round(height * (label === 'person' ? 0.15 : 0.5)), vx: (width - w) / span, vy: 0 } };
}

/** Quiet: objects in two 5 s windows of 40 s. Busy: one object or two almost all the time. */
async function renderClips(dir: string, width: number, height: number): Promise<{ quiet: string; busy: string }> {
  const base = { width, height, fps: 10, seconds: 40, gop: 20, noise: 8, drift: 0.05 };
  const quiet = join(dir, 'quiet.mp4');
  const busy = join(dir, 'busy.mp4');
  await renderQuietClip(quiet, { ...base, windows: [crossing('person', 8, 5, width, height), crossing('car', 26, 5, width, height)] });
  const windows: ObjectWindow[] = [];
  for (let start = 0; start < 40; start += 8) windows.push(crossing('person', start, 7.5, width, height));
  for (let start = 4; start < 36; start += 10) windows.push(crossing('car', start, 8, width, height));
  await renderQuietClip(busy, { ...base, windows });
  return { quiet, busy };
}

/** Median ms of one inference on a blank letterboxed frame (after a warm-up). */
async function oneInference(pool: InferencePool, width: number, height: number): Promise<number> {
  const { inputWidth, inputHeight } = pool.info;
  const letterbox = letterboxFor(width, height, inputWidth, inputHeight);
  const times: number[] = [];
  for (let index = 0; index < 55; index++) {
    const frame = { data: new Uint8Array(inputWidth * inputHeight * 3).fill(114), letterbox };
    const started = performance.now();
    await pool.infer(frame, { minScore: 0.5, iouThreshold: 0.45 });
    if (index >= 15) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function selfTicks(): number {
  return cpuTicks('self') ?? 0;
}

function peakRssMb(): number {
  const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb ? Number(kb) / 1024 : 0;
}

interface Step {
  cameras: number;
  minFps: number;
  p95LatencyMs: number;
  p50LatencyMs: number;
  /** Median inference time (submission → answer) of this step's inferred frames. */
  p50InferenceMs: number;
  cores: number;
  inferredShare: number;
  sustained: boolean;
  /** Windows measured for this step (a failed window is repeated up to twice). */
  attempts: number;
}

/** One measurement window over the running cameras: fps, latency, CPU (this process + decoders). */
async function measureStep(cameras: CameraDetector[], results: Map<string, FrameResult[]>, options: { windowS: number; inferenceMs: number; latencyFactor: number }): Promise<Step> {
  for (const list of results.values()) list.length = 0;
  const pids = cameras.map((camera) => camera.status().pid);
  const childTicks = () => pids.reduce<number>((sum, pid) => sum + (pid === undefined ? 0 : (cpuTicks(pid) ?? 0)), 0);
  const ticks0 = selfTicks() + childTicks();
  const started = performance.now();
  await sleep(options.windowS * 1000);
  const wall = (performance.now() - started) / 1000;
  const ticks1 = selfTicks() + childTicks();
  const all = [...results.values()];
  const fps = all.map((list) => list.length / wall);
  const inferred = all.flat().filter((result) => result.inferred);
  const step: Step = {
    cameras: cameras.length,
    minFps: round(Math.min(...fps), 2),
    p95LatencyMs: round(percentile(inferred.map((result) => result.latencyMs), 0.95), 1),
    p50LatencyMs: round(percentile(inferred.map((result) => result.latencyMs), 0.5), 1),
    p50InferenceMs: round(percentile(inferred.map((result) => result.inferenceMs), 0.5), 1),
    cores: round((ticks1 - ticks0) / CLOCK_TICKS / wall),
    inferredShare: round(inferred.length / Math.max(1, all.flat().length), 2),
    sustained: false,
    attempts: 1,
  };
  step.sustained = step.minFps >= 0.95 * FPS && step.p95LatencyMs <= options.latencyFactor * options.inferenceMs;
  return step;
}

/** Adds cameras one at a time on `clip` until one is not sustained; returns every step. */
async function detectorSweep(clip: string, pool: InferencePool, options: { maxCameras: number; windowS: number; inferenceMs: number; latencyFactor: number; width: number; height: number }): Promise<Step[]> {
  const scheduler = new Scheduler({ runner: pool, capacity: pool.capacity, deadlineMs: 30_000 });
  const cameras: CameraDetector[] = [];
  const results = new Map<string, FrameResult[]>();
  const steps: Step[] = [];
  const stopCameras = async () => {
    scheduler.stopIntake();
    await Promise.all(cameras.map((camera) => camera.stop()));
  };
  running.add(stopCameras);
  try {
    for (let count = 1; count <= options.maxCameras; count++) {
      const id = `cam${count}`;
      results.set(id, []);
      const cam = benchCamera({ id, clip, pool, scheduler, gate: true, loop: true, restart: true, onFrame: (result) => results.get(id)?.push(result) });
      cameras.push(cam);
      scheduler.add(cam);
      await cam.resume();
      // Warm-up: decoders started (staggered start times, as real cameras), queues settled.
      await sleep(5000);
      // A shared machine has bursts of other load: a failed step is measured up to twice more before it counts.
      let step = await measureStep(cameras, results, options);
      for (let attempt = 2; !step.sustained && attempt <= 3; attempt++) step = { ...(await measureStep(cameras, results, options)), attempts: attempt };
      steps.push(step);
      log(JSON.stringify(step));
      if (!step.sustained) break;
    }
  } finally {
    running.delete(stopCameras);
    await stopCameras();
    await scheduler.drain(30_000);
  }
  return steps;
}

/** The stand-in in its own process (scripts/soak/stand-in-main.ts); resolves with its ports. */
async function standIn(): Promise<{ child: OwnedChild; publishPort: number }> {
  let text = '';
  let found: ((port: number) => void) | undefined;
  const port = new Promise<number>((resolvePort) => (found = resolvePort));
  const child = new OwnedChild('stand-in', process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/soak/stand-in-main.ts')], {
    cwd: ROOT,
    onStdout: (chunk) => {
      text += chunk;
      const line = text.split('\n')[0];
      if (text.includes('\n') && line) found?.((JSON.parse(line) as { publishPort: number }).publishPort);
    },
  });
  child.start();
  const timeout = sleep(30_000).then(() => {
    throw new Error(`stand-in did not start: ${child.tail}`);
  });
  return { child, publishPort: await Promise.race([port, timeout]) };
}

async function gatewaySection(clip: string, dir: string, pipelines: number, windowS: number) {
  const { child, publishPort } = await standIn();
  const config = parseConfig(
    {
      log_level: 'warn',
      state_dir: join(dir, 'gateway-state'),
      http: { port: 0 },
      mediamtx: { enabled: false },
      pipelines: { limit: pipelines, publish_url: `rtsp://127.0.0.1:${publishPort}`, publish_transport: 'udp', heartbeat_interval: '30s' },
      cameras: Array.from({ length: pipelines }, (_, index) => ({ id: `p${index + 1}`, source: `file://${clip}`, video: 'copy' as const })),
    },
    { env: {} },
  );
  const service = new GatewayService(config);
  const stopAll = async () => {
    await service.stop();
    await child.stop();
  };
  running.add(stopAll);
  try {
    await service.start();
    const until = Date.now() + 120_000;
    while (service.manager.slots().inUse < pipelines && Date.now() < until) await sleep(500);
    // Warm-up after every pipeline runs: first progress blocks, probe buffers, heartbeat timers.
    await sleep(10_000);
    const runningBefore = config.cameras.filter((camera) => service.manager.status(camera.id).state === 'running').length;
    const ticks0 = selfTicks();
    const started = performance.now();
    await sleep(windowS * 1000);
    const core = (selfTicks() - ticks0) / CLOCK_TICKS / ((performance.now() - started) / 1000);
    const runningAfter = config.cameras.filter((camera) => service.manager.status(camera.id).state === 'running').length;
    return { core: round(core, 4), running: Math.min(runningBefore, runningAfter), restarts: service.manager.restartCounts() };
  } finally {
    running.delete(stopAll);
    await stopAll();
  }
}

async function main(): Promise<void> {
  const options = args();
  const dir = mkdtempSync(join(tmpdir(), 'lookout-capacity-'));
  const load = loadavg().map((value) => round(value, 2));
  const removeDir = async () => rmSync(dir, { recursive: true, force: true });
  running.add(removeDir);
  try {
    log(`load average at start ${load.join(' ')}; rendering clips`);
    const clips = await renderClips(dir, options.width, options.height);
    const out: Record<string, unknown> = {
      model: options.model.split('/').at(-1),
      threads: options.threads,
      cameras_sustained_quiet: null,
      cameras_sustained_busy: null,
      cpu_per_camera_quiet: null,
      cpu_per_camera_busy: null,
      rss_mb: null,
      gateway_cpu_32_copy_pipelines: null,
    };
    const detail: Record<string, unknown> = { load_average_start: load, clip: `${options.width}x${options.height}@10fps`, detect_fps: FPS, latency_factor: options.latencyFactor };
    if (options.parts.includes('quiet') || options.parts.includes('busy')) {
      const pool = await InferencePool.create({ modelPath: options.model, threads: options.threads, workers: 1, timeoutMs: 30_000 });
      try {
        for (const scene of ['quiet', 'busy'] as const) {
          if (!options.parts.includes(scene)) continue;
          // Measured before each sweep, with nothing else of ours running.
          const inferenceMs = await oneInference(pool, options.width, options.height);
          detail[`${scene}_one_inference_ms`] = round(inferenceMs, 1);
          log(`${scene}: adding cameras (one inference ${round(inferenceMs, 1)} ms)`);
          const steps = await detectorSweep(clips[scene], pool, { ...options, inferenceMs });
          const best = [...steps].reverse().find((step) => step.sustained);
          out[`cameras_sustained_${scene}`] = best?.cameras ?? 0;
          out[`cpu_per_camera_${scene}`] = best ? round(best.cores / best.cameras) : null;
          detail[`${scene}_steps`] = steps;
          if (best && best.cameras === options.maxCameras) detail[`${scene}_note`] = `still sustained at --max-cameras ${options.maxCameras}`;
        }
        out.rss_mb = Math.round(peakRssMb());
      } finally {
        await pool.close();
      }
    }
    if (options.parts.includes('gateway')) {
      log(`gateway: ${options.pipelines} copy pipelines`);
      const gateway = await gatewaySection(clips.quiet, dir, options.pipelines, options.gatewayWindowS);
      out.gateway_cpu_32_copy_pipelines = gateway.core;
      detail.gateway = { pipelines: options.pipelines, running: gateway.running, window_s: options.gatewayWindowS, transport: 'udp (RTSP stand-in)', restarts: gateway.restarts };
    }
    detail.load_average_end = loadavg().map((value) => round(value, 2));
    process.stdout.write(`${JSON.stringify({ ...out, detail })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.once(name, () => {
    process.stderr.write(`bench:capacity: ${name}, stopping\n`);
    void Promise.allSettled([...running].map((stop) => stop())).then(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:capacity failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
