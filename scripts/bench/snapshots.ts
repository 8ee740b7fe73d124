/**
 * Snapshot benchmark: `npm run bench:snapshots [-- --iterations N --seconds S --rounds R]` prints ONE JSON object:
 *  - encoders: one 1280x720 RGB frame → JPEG (quality 80) by sharp (libvips, on libuv's threads), an
 *    ffmpeg child per picture, and jpeg-js (pure JS, on the event loop): wall ms p50/p95, CPU ms per
 *    picture (this process's CPU, or the finished children's for ffmpeg), RSS growth / child peak RSS;
 *  - snapshot_ms_p50/p95: the whole snapshot path on a 720p frame: copy + draw (box, label, time) →
 *    snapshot and thumbnail JPEG → atomic writes (temp, fsync, rename, dir fsync) → event-store row;
 *    snapshot_cpu_ms: CPU per snapshot (all threads of this process); snapshot_event_loop_ms_p95:
 *    the part of it on the event loop (frame copy, drawing, event-store rows);
 *  - latest_jpeg_ms_p95: latest.jpg?h=360&boxes=1 for 4 cameras at 5 fps each, 3 viewers per camera
 *    polling every 500 ms (the ~0.5 s cache makes most of them free);
 *  - event_loop_p99_ms: the event loop's p99 delay idle and while 10 snapshots/s are made, in
 *    alternating windows (`--rounds`, over `--seconds` per condition), median of the windows;
 *  - decoder_cpu: CPU seconds per second of video of the real decoder command on a 1080p25 H.264
 *    clip at 5 fps, without and with the full-frame output (snapshots.height 720).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import jpegJs from 'jpeg-js';
import { EventStore } from '../../detector/event-store/event-store.ts';
import { buildDecoderArgs } from '../../detector/decode/decoder-args.ts';
import type { FullFrame } from '../../detector/latest-frame/full-frame.ts';
import { LatestFrames } from '../../detector/latest-frame/latest-frames.ts';
import type { FrameResult } from '../../detector/publisher.ts';
import type { RgbImage } from '../../detector/snapshots/draw.ts';
import { cropRegion, encodeJpeg } from '../../detector/snapshots/jpeg.ts';
import { SnapshotFiles } from '../../detector/snapshots/snapshot-files.ts';
import { drawSnapshot, type SnapshotLook } from '../../detector/snapshots/snapshot-keeper.ts';
import type { TrackEvent } from '../../detector/track/types.ts';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '40' }, seconds: { type: 'string', default: '12' }, rounds: { type: 'string', default: '6' } } });
const ITERATIONS = Number(values.iterations);
/** Seconds of each event-loop condition (split over ROUNDS windows) and of the latest.jpg run. */
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);

const CLOCK_TICKS = 100;

/** CPU seconds of this process's finished (waited-for) children: cutime + cstime. */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(2));
}

const round = (value: number) => Number(value.toFixed(2));

async function realFrame(dir: string): Promise<RgbImage> {
  const clip = join(dir, 'scene.mp4');
  await execa('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', clip], { timeout: 60_000 });
  const raw = await execa('ffmpeg', ['-v', 'error', '-i', clip, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { encoding: 'buffer', timeout: 60_000 });
  return { data: new Uint8Array(raw.stdout), width: 1280, height: 720 };
}

async function encoders(frame: RgbImage) {
  const out: Record<string, unknown> = {};
  // sharp
  {
    const times: number[] = [];
    const rss = process.memoryUsage().rss;
    const cpu = cpuMs();
    for (let n = 0; n < ITERATIONS; n++) {
      const started = performance.now();
      await encodeJpeg(frame, { quality: 80 });
      times.push(performance.now() - started);
    }
    out.sharp = { ms_p50: percentile(times, 50), ms_p95: percentile(times, 95), cpu_ms: round((cpuMs() - cpu) / ITERATIONS), rss_growth_mb: round((process.memoryUsage().rss - rss) / 1e6), on_event_loop: false };
  }
  // ffmpeg child per picture
  {
    const times: number[] = [];
    const cpu = childrenCpuSeconds();
    let peakKb = 0;
    const runs = Math.min(ITERATIONS, 20);
    for (let n = 0; n < runs; n++) {
      const started = performance.now();
      const result = await execa('/usr/bin/time', ['-f', '%M', 'ffmpeg', '-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${frame.width}x${frame.height}`, '-i', 'pipe:0', '-frames:v', '1', '-q:v', '4', '-f', 'mjpeg', 'pipe:1'], {
        input: Buffer.from(frame.data),
        encoding: 'buffer',
        timeout: 30_000,
      });
      times.push(performance.now() - started);
      peakKb = Math.max(peakKb, Number(Buffer.from(result.stderr).toString().trim().split('\n').at(-1)));
    }
    out.ffmpeg_child = { ms_p50: percentile(times, 50), ms_p95: percentile(times, 95), cpu_ms: round(((childrenCpuSeconds() - cpu) * 1000) / runs), child_peak_rss_mb: round(peakKb / 1000), on_event_loop: false };
  }
  // jpeg-js (pure JS)
  {
    const times: number[] = [];
    const rgba = new Uint8Array(frame.width * frame.height * 4);
    for (let pixel = 0, src = 0; src < frame.data.length; pixel += 4, src += 3) {
      rgba[pixel] = frame.data[src]!;
      rgba[pixel + 1] = frame.data[src + 1]!;
      rgba[pixel + 2] = frame.data[src + 2]!;
      rgba[pixel + 3] = 255;
    }
    const rss = process.memoryUsage().rss;
    const cpu = cpuMs();
    const runs = Math.min(ITERATIONS, 10);
    for (let n = 0; n < runs; n++) {
      const started = performance.now();
      jpegJs.encode({ data: rgba, width: frame.width, height: frame.height }, 80);
      times.push(performance.now() - started);
    }
    out.jpeg_js = { ms_p50: percentile(times, 50), ms_p95: percentile(times, 95), cpu_ms: round((cpuMs() - cpu) / runs), rss_growth_mb: round((process.memoryUsage().rss - rss) / 1e6), on_event_loop: true };
  }
  return out;
}

const LOOK: SnapshotLook = { enabled: true, quality: 80, crop: false, boundingBox: true, allBoxes: true, timestamp: true, thumbnailHeight: 175, zones: [] };

function fakeEvent(n: number): { event: TrackEvent; result: FrameResult } {
  const box: [number, number, number, number] = [400 + (n % 50), 200, 640 + (n % 50), 460];
  const now = Date.now();
  const event = {
    type: 'update',
    id: `${(now / 1000).toFixed(6)}.b${String(n % 100_000).padStart(5, '0')}`,
    camera: 'bench',
    label: 'person',
    subLabel: null,
    score: 0.8,
    topScore: 0.8,
    box,
    boxNorm: [0, 0, 0, 0],
    area: 240 * 260,
    ratio: 240 / 260,
    region: [0, 0, 1280, 720],
    currentZones: [],
    enteredZones: [],
    stationary: false,
    motionlessCount: 0,
    positionChanges: 0,
    firstSeen: now,
    lastSeen: now,
    endTime: null,
    falsePositive: false,
  } as TrackEvent;
  const result: FrameResult = {
    camera: 'bench',
    frame: n,
    pts: n / 5,
    width: 1280,
    height: 720,
    detections: [{ label: 'person', class: 0, score: 0.8, box, boxNorm: [0, 0, 0, 0] }],
    decodedAt: now,
    inferenceMs: 0,
    latencyMs: 0,
    motion: true,
    inferred: true,
  };
  return { event, result };
}

/** The snapshot path the keeper runs: draw → snapshot + thumbnail → atomic files → row. */
async function oneSnapshot(frame: RgbImage, files: SnapshotFiles, store: EventStore, n: number): Promise<void> {
  const { event, result } = fakeEvent(n);
  store.upsert(event);
  const image = drawSnapshot(frame, { event, result, look: LOOK });
  const crop = cropRegion(event.box, image.width, image.height);
  const [snapshot, thumbnail] = await Promise.all([encodeJpeg(image, { quality: 80 }), encodeJpeg(image, { quality: 80, crop, height: 175 })]);
  await files.write(event.id, snapshot, thumbnail, { frame_time: result.decodedAt / 1000, box: event.box, area: event.area, score: event.score });
}

async function snapshotPath(frame: RgbImage, dir: string) {
  const store = await EventStore.open(join(dir, 'events.db'));
  const files = new SnapshotFiles(join(dir, 'snapshots'), store, { maxFiles: 200, maxBytes: 1e9, maxAgeMs: 3_600_000 });
  await files.init();
  try {
    const times: number[] = [];
    const cpu = cpuMs();
    for (let n = 0; n < ITERATIONS; n++) {
      const started = performance.now();
      await oneSnapshot(frame, files, store, n);
      times.push(performance.now() - started);
    }
    const snapshotCpu = (cpuMs() - cpu) / ITERATIONS;
    // What a snapshot costs the event loop itself: the copy and drawing, and the store's row writes.
    const mainThread: number[] = [];
    for (let n = 0; n < ITERATIONS; n++) {
      const { event, result } = fakeEvent(5000 + n);
      const started = performance.now();
      store.upsert(event);
      drawSnapshot(frame, { event, result, look: LOOK });
      store.setSnapshot(event.id, { frame_time: 0, box: event.box, area: 1, score: 1 }, 0, 0);
      mainThread.push(performance.now() - started);
    }
    // Event-loop delay: idle windows and windows with 10 snapshots/s, alternated (ROUNDS of each) so
    // both conditions share the machine's load as it changes; the median p99 of each is reported.
    let made = 0;
    const measure = async (load: boolean) => {
      const histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      const pending = new Set<Promise<void>>();
      const timer = load
        ? setInterval(() => {
            const work = oneSnapshot(frame, files, store, 10_000 + made++).finally(() => pending.delete(work));
            pending.add(work);
          }, 100)
        : undefined;
      await new Promise((resolve) => setTimeout(resolve, (SECONDS * 1000) / ROUNDS));
      clearInterval(timer);
      await Promise.all([...pending]);
      histogram.disable();
      return histogram.percentile(99) / 1e6;
    };
    const idleP99: number[] = [];
    const loadedP99: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      idleP99.push(await measure(false));
      loadedP99.push(await measure(true));
    }
    const idle = { p99: percentile(idleP99, 50) };
    const loaded = { p99: percentile(loadedP99, 50), made };
    return {
      snapshot_ms_p50: percentile(times, 50),
      snapshot_ms_p95: percentile(times, 95),
      snapshot_cpu_ms: round(snapshotCpu),
      snapshot_event_loop_ms_p95: percentile(mainThread, 95),
      event_loop_p99_ms: { idle: idle.p99, at_10_snapshots_per_s: loaded.p99, difference: round(loaded.p99 - idle.p99), snapshots_made: loaded.made, windows: ROUNDS, idle_windows: idleP99.map(round), loaded_windows: loadedP99.map(round) },
    };
  } finally {
    await files.idle();
    await store.close();
  }
}

async function latestUnderFourCameras(frame: RgbImage) {
  const latest = new LatestFrames({ quality: 75 });
  const cameras = ['a', 'b', 'c', 'd'];
  let index = 0;
  const feed = setInterval(() => {
    for (const camera of cameras) {
      const full: FullFrame = { index, image: frame, receivedAt: Date.now() };
      latest.put(camera, full);
      const { result } = fakeEvent(index);
      latest.result({ ...result, camera });
    }
    index++;
  }, 200);
  const times: number[] = [];
  const until = Date.now() + SECONDS * 1000;
  const viewer = async (camera: string, offset: number) => {
    await new Promise((resolve) => setTimeout(resolve, offset));
    while (Date.now() < until) {
      const started = performance.now();
      await latest.jpeg(camera, { height: 360, boxes: true });
      times.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  await new Promise((resolve) => setTimeout(resolve, 250));
  await Promise.all(cameras.flatMap((camera, c) => [0, 1, 2].map((v) => viewer(camera, c * 37 + v * 151))));
  clearInterval(feed);
  return { latest_jpeg_ms_p50: percentile(times, 50), latest_jpeg_ms_p95: percentile(times, 95), latest_requests: times.length };
}

async function decoderCpu(dir: string) {
  const clip = join(dir, 'cam1080.mp4');
  await execa('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-pix_fmt', 'yuv420p', clip], { timeout: 120_000 });
  const run = async (fullFrameHeight: number | undefined): Promise<number> => {
    const args = buildDecoderArgs({ input: { kind: 'file', path: clip, loop: false, realtime: false }, strategy: 'all', fps: 5, width: 640, height: 640, hwaccel: 'none', ...(fullFrameHeight ? { fullFrameHeight } : {}) });
    const before = childrenCpuSeconds();
    await new Promise<void>((resolve, reject) => {
      const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
      child.stdout?.resume();
      child.stderr?.resume();
      (child.stdio[3] as NodeJS.ReadableStream).resume();
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
    });
    return (childrenCpuSeconds() - before) / 8;
  };
  const without: number[] = [];
  const withFull: number[] = [];
  for (let round = 0; round < 3; round++) {
    without.push(await run(undefined));
    withFull.push(await run(720));
  }
  const a = Math.min(...without);
  const b = Math.min(...withFull);
  return { source: '1920x1080 H.264 25 fps, detect 5 fps', cpu_s_per_video_s_without: round(a), cpu_s_per_video_s_with_720p_output: round(b), added_percent: round(((b - a) / a) * 100) };
}

const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-snapshots-'));
try {
  const frame = await realFrame(dir);
  const result = {
    frame: '1280x720 rgb24 (testsrc2)',
    iterations: ITERATIONS,
    encoders: await encoders(frame),
    ...(await snapshotPath(frame, dir)),
    ...(await latestUnderFourCameras(frame)),
    decoder_cpu: await decoderCpu(dir),
    targets: { snapshot_ms_p95: 50, event_loop_p99_difference_ms: 5 },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
