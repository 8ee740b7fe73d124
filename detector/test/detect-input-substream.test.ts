/**
 * A camera with two inputs through the real DetectorService (issue 13 item 1, detector side): a
 * 1280×720 main stream (role stream) and a 640×360 sub-stream of the same scene (role detect), both
 * generated with ffmpeg and published into the RTSP stand-in (NOT mediamtx; UDP only). The decoder
 * reads only the sub-stream, yet frames, events, the snapshot and latest.jpg come out in main-stream
 * geometry. The model is the pixel-exact colour-box ONNX model (exact-box-model.ts) on real
 * onnxruntime, so boxes are checked to 2 px against where the clip put the objects. A second test
 * starts without the main stream: frames are held (nothing published) until it appears.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { pino } from 'pino';
import { SupervisedChild } from '../../common/child/supervised-child.ts';
import { parseConfig } from '../../common/config/load.ts';
import { publishClip } from '../../test/support/publish-clip.ts';
import { startRtspStandIn, type RtspStandIn } from '../../test/support/rtsp-stand-in.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';
import { PROBE_USER_AGENT } from '../geometry/video-size-probe.ts';
import { InferencePool } from '../inference/inference-pool.ts';
import { MemorySink } from '../publisher.ts';
import { DetectorService } from '../service.ts';
import { labelColor } from '../snapshots/draw.ts';
import { ObjectTracker } from '../track/index.ts';
import { renderClip, tempDir, type MovingBox } from './clips.ts';
import { writeExactBoxModel } from './exact-box-model.ts';
import { liveChildren } from './leak-probe.ts';

// Still objects (the scene of a parked car and a standing person), on multiples of 4 px so the
// half-size sub-stream draws them exactly at half the position: the truth in both geometries.
const PERSON_MAIN: MovingBox = { color: '0xE01818', width: 240, height: 200, x0: 96, y0: 144, vx: 0, vy: 0 };
const CAR_MAIN: MovingBox = { color: '0x18D018', width: 200, height: 160, x0: 896, y0: 416, vx: 0, vy: 0 };
const half = (box: MovingBox): MovingBox => ({ ...box, width: box.width / 2, height: box.height / 2, x0: box.x0 / 2, y0: box.y0 / 2 });
const truth = (box: MovingBox): [number, number, number, number] => [box.x0, box.y0, box.x0 + box.width, box.y0 + box.height];
const TRUTH: Record<string, [number, number, number, number]> = { person: truth(PERSON_MAIN), car: truth(CAR_MAIN) };

const dir = tempDir('lookout-substream-');
const model = join(dir.path, 'exact-boxes.onnx');
let server: RtspStandIn;
const publishers: SupervisedChild[] = [];

async function publish(clip: string, path: string): Promise<void> {
  publishers.push(await publishClip(server, clip, path));
}

before(async () => {
  writeExactBoxModel(model, 640);
  await Promise.all([
    renderClip(join(dir.path, 'main.mp4'), { width: 1280, height: 720, fps: 25, seconds: 4, gop: 25, boxes: [PERSON_MAIN, CAR_MAIN] }),
    renderClip(join(dir.path, 'sub.mp4'), { width: 640, height: 360, fps: 25, seconds: 4, gop: 25, boxes: [half(PERSON_MAIN), half(CAR_MAIN)] }),
  ]);
  server = await startRtspStandIn();
  await Promise.all([publish(join(dir.path, 'main.mp4'), 'yard-main'), publish(join(dir.path, 'sub.mp4'), 'yard-sub')]);
});
after(async () => {
  await Promise.all(publishers.map((child) => child.stop()));
  await server?.close();
  dir.dispose();
});

/** A service over the two stand-in paths; credentials in both URLs (they must never be logged). */
async function startService(mainPath: string, sink: MemorySink, logged: string[]): Promise<DetectorService> {
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (logged.push(chunk.toString()), done()) }));
  const withCredentials = (path: string) => server.readUrl(path).replace('rtsp://', 'rtsp://viewer:hunter2-secret@');
  const config = parseConfig({
    state_dir: tempStateDir(),
    shutdown_timeout: '10s',
    cameras: [
      {
        id: 'yard',
        rtsp_transport: 'udp',
        inputs: [
          { source: withCredentials(mainPath), roles: ['stream'] },
          { source: withCredentials('yard-sub'), roles: ['detect'] },
        ],
        // read_from: source: the main size is probed on the camera's stream input (the stand-in).
        detect: { fps: 2, read_from: 'source', decode: 'all', motion_gate: false, min_score: 0.5 },
        timeouts: { start: '5s' },
      },
    ],
    detector: {
      model,
      hwaccel: 'none',
      workers: 1,
      threads: 1,
      http: { host: '127.0.0.1', port: 0 },
      decoder: { backoff_initial: '200ms', backoff_max: '500ms' },
    },
  });
  return new DetectorService({ config, logger, sink, createPool: (options) => InferencePool.create(options), createTracker: () => new ObjectTracker() }).start();
}

function get(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function decodeJpeg(jpeg: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const probe = await execa('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', '-i', 'pipe:0'], { input: jpeg, timeout: 20_000 });
  const { width, height } = (JSON.parse(probe.stdout) as { streams: Array<{ width: number; height: number }> }).streams[0]!;
  const raw = await execa('ffmpeg', ['-v', 'error', '-f', 'image2pipe', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { input: jpeg, encoding: 'buffer', timeout: 20_000 });
  return { data: Buffer.from(raw.stdout), width, height };
}

const within = (actual: readonly number[], expected: readonly number[], tolerance: number) => actual.every((value, index) => Math.abs(value - expected[index]!) <= tolerance);

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

void test('detect sub-stream: only it is decoded; frames, events, snapshot and latest.jpg are in main-stream pixels', { timeout: 240_000 }, async () => {
  const sink = new MemorySink(2000);
  const logged: string[] = [];
  const readsBefore = server.readRequests().length;
  const service = await startService('yard-main', sink, logged);
  try {
    const port = service.httpPort!;
    type Listed = { id: string; label: string; box: number[]; snapshot: { box: number[] } | null };
    const event = await until('a person event with a snapshot', 120_000, async () => {
      const reply = JSON.parse((await get(port, '/api/v1/events?camera=yard&label=person&has_snapshot=1')).body.toString()) as { data: Listed[] };
      return reply.data[0];
    }).catch(async (error: unknown) => {
      // Say what there was: the events, the snapshot counters.
      const events = (await get(port, '/api/v1/events?camera=yard')).body.toString().slice(0, 600);
      const metrics = (await service.metricsText()).body.split('\n').filter((line) => line.startsWith('lookout_snapshots_')).join('; ');
      throw new Error(`${(error as Error).message}; events: ${events}; ${metrics}; frames: ${sink.framesSeen}`);
    });
    await until('frames with both objects', 60_000, () => (sink.frames.filter((frame) => frame.inferred && frame.detections.length === 2).length >= 5 ? true : undefined));

    // Frames: main geometry, each box within 2 px of where the main clip draws it.
    const inferred = sink.frames.filter((frame) => frame.inferred);
    for (const frame of inferred) {
      assert.deepEqual([frame.width, frame.height], [1280, 720], `frame ${frame.frame} in main geometry`);
      for (const detection of frame.detections) {
        assert.ok(within(detection.box, TRUTH[detection.label]!, 2), `frame ${frame.frame} ${detection.label}: ${detection.box.map(Math.round).join(',')} vs ${TRUTH[detection.label]!.join(',')}`);
        assert.ok(within(detection.boxNorm, TRUTH[detection.label]!.map((value, index) => value / (index % 2 === 0 ? 1280 : 720)), 2 / 720));
      }
    }
    // Events (outputs and the event store): boxes and region in main pixels.
    const events = sink.events.filter((item) => item.type !== 'end');
    assert.ok(events.some((item) => item.label === 'car') && events.some((item) => item.label === 'person'), JSON.stringify(events.map((item) => item.label)));
    for (const item of events) {
      assert.ok(within(item.box, TRUTH[item.label]!, 2), `${item.type} ${item.label}: ${item.box.map(Math.round).join(',')}`);
      assert.deepEqual(item.region, [0, 0, 1280, 720]);
    }
    assert.ok(within(event.box, TRUTH.person!, 2), `stored event box ${event.box.join(',')}`);
    assert.ok(event.snapshot && within(event.snapshot.box, TRUTH.person!, 2));

    // The snapshot: main aspect (at the sub-stream's resolution: 360 < snapshots.height 720), box on the object.
    const image = await decodeJpeg((await get(port, `/api/v1/events/${event.id}/snapshot.jpg`)).body);
    assert.deepEqual([image.width, image.height], [640, 360], 'main aspect (16:9), the decoded resolution');
    const scale = image.height / 720;
    const [x1, y1, x2, y2] = event.snapshot.box.map((value) => value * scale) as [number, number, number, number];
    const pixel = (x: number, y: number) => {
      const offset = (Math.round(y) * image.width + Math.round(x)) * 3;
      return [image.data[offset]!, image.data[offset + 1]!, image.data[offset + 2]!];
    };
    for (const fraction of [0.25, 0.5, 0.75]) {
      const x = x1 + (x2 - x1) * fraction;
      const y = y1 + (y2 - y1) * fraction;
      assert.ok(within(pixel(x, y2), labelColor('person'), 70), `bottom outline at x=${Math.round(x)}: ${pixel(x, y2).join(',')}`);
      assert.ok(within(pixel(x2, y), labelColor('person'), 70), `right outline at y=${Math.round(y)}: ${pixel(x2, y).join(',')}`);
      assert.ok(within(pixel(x2 - 6, y), [0xe0, 0x18, 0x18], 60), `the object inside: ${pixel(x2 - 6, y).join(',')}`);
      assert.ok(within(pixel(x2 + 6, y), [0x28, 0x28, 0x28], 40), `background outside: ${pixel(x2 + 6, y).join(',')}`);
    }
    const latest = await decodeJpeg((await get(port, '/api/v1/cameras/yard/latest.jpg?boxes=1')).body);
    assert.deepEqual([latest.width, latest.height], [640, 360]);

    // The camera status says the geometry.
    const status = JSON.parse((await get(port, '/api/v1/detect/cameras/yard')).body.toString()) as { geometry?: unknown; data?: { geometry?: unknown } };
    const geometry = (status.data ?? status).geometry as Record<string, unknown>;
    assert.deepEqual({ ...geometry, framesHeld: 0 }, { detectInput: 1, separate: true, detect: [640, 360], main: [1280, 720], scale: [2, 2], framesHeld: 0 });

    // Who read what: the main stream only by the size probe (its User-Agent), the sub-stream by the decoder.
    const reads = server.readRequests().slice(readsBefore);
    const mainReads = reads.filter((read) => read.path === '/yard-main');
    const subReads = reads.filter((read) => read.path === '/yard-sub');
    assert.ok(mainReads.length > 0 && mainReads.every((read) => read.userAgent === PROBE_USER_AGENT), JSON.stringify(mainReads));
    assert.ok(subReads.some((read) => read.method === 'PLAY' && read.userAgent.startsWith('Lavf')), JSON.stringify(subReads));
    assert.ok(subReads.every((read) => read.userAgent !== PROBE_USER_AGENT), 'nothing probes the sub-stream (decode: all)');

    const plan = logged.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'camera decoder plan');
    assert.ok(plan, 'the plan is logged');
    assert.deepEqual([plan.detectInput, plan.separate, plan.main], [1, true, [1280, 720]]);
  } finally {
    await service.stop();
  }
  assert.ok(!logged.join('').includes('hunter2-secret'), 'no password in any log line');
  assert.deepEqual(liveChildren().filter((child) => !publishers.some((publisher) => child.startsWith(`${publisher.pid}:`))), []);
});

void test('main stream not up yet: frames are held (nothing published) until its size is known, then boxes are in its pixels', { timeout: 240_000 }, async () => {
  const sink = new MemorySink(2000);
  const logged: string[] = [];
  const service = await startService('late-main', sink, logged);
  try {
    const held = await until('frames held', 60_000, () => {
      const { framesHeld } = service.status('yard').cameras[0]!.geometry;
      return framesHeld >= 3 ? framesHeld : undefined;
    });
    assert.equal(sink.framesSeen, 0, `no result while ${held} frames were held`);
    assert.equal(service.status('yard').cameras[0]!.geometry.main, null);
    assert.ok((await service.metricsText()).body.includes('lookout_detector_frames_held_total{camera="yard"}'));
    await publish(join(dir.path, 'main.mp4'), 'late-main');
    await until('frames after the main stream came up', 60_000, () => (sink.frames.some((frame) => frame.inferred && frame.detections.length === 2) ? true : undefined));
    for (const frame of sink.frames) {
      assert.deepEqual([frame.width, frame.height], [1280, 720]);
      for (const detection of frame.detections) assert.ok(within(detection.box, TRUTH[detection.label]!, 2), detection.box.join(','));
    }
    assert.ok(logged.some((line) => line.includes('main stream size unknown: detections held')), 'the hold is logged');
  } finally {
    await service.stop();
  }
  assert.ok(!logged.join('').includes('hunter2-secret'), 'no password in any log line');
  assert.deepEqual(liveChildren().filter((child) => !publishers.some((publisher) => child.startsWith(`${publisher.pid}:`))), []);
});
