import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import {
  FrameSizeError,
  InferencePool,
  InferenceTimeoutError,
  PoolBusyError,
  PoolClosedError,
  WorkerCrashedError,
} from '../inference/inference-pool.ts';
import { PrefetchTiming } from '../inference/prefetch-timing.ts';
import { autoThreads, prefetchHelps } from '../model/cpu-budget.ts';
import { iou } from '../model/postprocess.ts';
import type { Letterbox } from '../model/types.ts';

const MODELS = new URL('../../test/fixtures/models/', import.meta.url);
const model = (name: string): string => new URL(name, MODELS).pathname;
const SIZE = 160;
const LB: Letterbox = { srcWidth: SIZE, srcHeight: SIZE, scale: 1, padX: 0, padY: 0 };
const OPTS = { minScore: 0.5, iouThreshold: 0.45 };

/** A 160x160 RGB24 frame: dark background, filled rectangles (x1, y1, x2, y2, rgb). */
function frame(rects: Array<[number, number, number, number, [number, number, number]]>): Uint8Array {
  const data = new Uint8Array(SIZE * SIZE * 3).fill(24);
  for (const [x1, y1, x2, y2, rgb] of rects) {
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) data.set(rgb, (y * SIZE + x) * 3);
  }
  return data;
}
const RED: [number, number, number] = [230, 20, 20];
const GREEN: [number, number, number] = [20, 220, 30];
const scene = (): Uint8Array => frame([[20, 30, 70, 90, RED], [100, 100, 150, 130, GREEN]]);
const WANT = { person: [20, 30, 70, 90], car: [100, 100, 150, 130] } as const;

function assertScene(dets: Array<{ label: string; box: number[] }>): void {
  for (const [label, want] of Object.entries(WANT)) {
    const best = Math.max(0, ...dets.filter((d) => d.label === label).map((d) => boxIou(d.box, want)));
    assert.ok(best >= 0.5, `${label}: best IoU ${best.toFixed(2)} in ${JSON.stringify(dets)}`);
  }
}
const boxIou = (a: readonly number[], b: readonly number[]): number =>
  iou({ x1: a[0]!, y1: a[1]!, x2: a[2]!, y2: a[3]! }, { x1: b[0]!, y1: b[1]!, x2: b[2]!, y2: b[3]! });

let pool: InferencePool;
before(async () => {
  pool = await InferencePool.create({ modelPath: model('boxes-yolov8.onnx'), threads: 1, workers: 1, timeoutMs: 5000 });
});
after(async () => {
  await pool.close();
});

void test('yolov8 test model: info from the model, detections land on the drawn boxes', async () => {
  assert.equal(pool.info.layout, 'yolov8');
  assert.deepEqual(pool.info.labels, ['person', 'car']);
  assert.equal(pool.info.inputName, 'images');
  assert.equal(pool.info.inputWidth, SIZE);
  assert.deepEqual(pool.info.providers, ['cpu']);
  const result = await pool.inferWithTimings({ data: scene(), letterbox: LB }, OPTS);
  assertScene(result.detections);
  assert.ok(result.timings.runMs > 0 && result.timings.totalMs >= result.timings.runMs);
  assert.deepEqual(await pool.infer({ data: frame([]), letterbox: LB }, OPTS), []);
});

void test('the frame is converted before infer() returns: its buffer can be reused at once; views work', async () => {
  const data = scene();
  const pending = pool.infer({ data, letterbox: LB }, OPTS);
  data.fill(0);
  assertScene(await pending);
  const big = new Uint8Array(SIZE * SIZE * 3 + 16);
  const view = big.subarray(16);
  view.set(scene());
  assertScene(await pool.infer({ data: view, letterbox: LB }, OPTS));
  assert.equal(big.byteLength, SIZE * SIZE * 3 + 16, 'not detached');
});

void test('bounded: one frame running and one prepared per worker, a third is refused; wrong size is refused', async () => {
  assert.equal(pool.capacity, 2);
  assert.equal(pool.acceptsIn(), 0, 'an idle worker wants a frame now');
  const order: string[] = [];
  const first = pool.infer({ data: scene(), letterbox: LB }, OPTS, { delayMs: 200 }).then((dets) => (order.push('first'), dets));
  const second = pool.infer({ data: frame([[20, 30, 70, 90, RED]]), letterbox: LB }, OPTS).then((dets) => (order.push('second'), dets));
  assert.equal(pool.stats().inFlight, 2);
  assert.equal(pool.acceptsIn(), Infinity, 'full: the worker has a frame prepared');
  await assert.rejects(pool.infer({ data: scene(), letterbox: LB }, OPTS), PoolBusyError);
  assertScene(await first);
  const only = await second;
  assert.deepEqual(only.map((d) => d.label), ['person'], 'the prepared frame ran with its own pixels');
  assert.deepEqual(order, ['first', 'second']);
  await assert.rejects(pool.infer({ data: new Uint8Array(10), letterbox: LB }, OPTS), FrameSizeError);
  assert.equal(pool.stats().inFlight, 0);
  assert.equal(pool.acceptsIn(), 0);
});

void test('without prefetch (onnxruntime already on every core): one frame per worker, nothing prepared ahead', async () => {
  const single = await InferencePool.create({ modelPath: model('boxes-yolov8.onnx'), threads: 1, workers: 1, timeoutMs: 5000, prefetch: false });
  try {
    assert.equal(single.capacity, 1);
    const running = single.infer({ data: scene(), letterbox: LB }, OPTS, { delayMs: 200 });
    assert.equal(single.acceptsIn(), Infinity);
    await assert.rejects(single.infer({ data: scene(), letterbox: LB }, OPTS), PoolBusyError);
    assertScene(await running);
    assert.equal(single.acceptsIn(), 0);
  } finally {
    await single.close();
  }
});

void test('threads auto leaves a core for decoding; prefetch only when a core is free for it', () => {
  assert.equal(autoThreads(1, 1), 1);
  assert.equal(autoThreads(1, 2), 1);
  assert.equal(autoThreads(1, 4), 3);
  assert.equal(autoThreads(2, 8), 3);
  assert.equal(autoThreads(1, 16), 4);
  assert.equal(prefetchHelps(1, 1, 2), true);
  assert.equal(prefetchHelps(1, 2, 2), false);
  assert.equal(prefetchHelps(2, 1, 2), false);
  assert.equal(prefetchHelps(1, autoThreads(1, 4), 4), true);
});

void test('a busy worker wants its next frame shortly before the run is expected to end', async () => {
  const running = pool.inferWithTimings({ data: scene(), letterbox: LB }, OPTS, { delayMs: 300 });
  // The estimate comes from short real runs of the tiny model: the 300 ms run is already "due".
  assert.ok(pool.acceptsIn() < 50, `acceptsIn ${pool.acceptsIn()}`);
  const prepared = pool.inferWithTimings({ data: scene(), letterbox: LB }, OPTS);
  const [a, b] = await Promise.all([running, prepared]);
  assert.ok(a.timings.queuedMs < 5, 'the first frame went to the worker at once');
  assert.ok(b.timings.queuedMs >= 200, `the prepared frame waited for the running one (${b.timings.queuedMs} ms)`);
  for (const { timings } of [a, b]) {
    assert.ok(timings.preprocessMs > 0 && timings.runMs > 0 && timings.postprocessMs >= 0);
    assert.ok(timings.totalMs >= timings.runMs + timings.queuedMs);
  }
});

void test('prefetch timing: the next frame is wanted one preprocessing time plus the margin before the run ends', () => {
  const timing = new PrefetchTiming(true);
  timing.seed(10);
  const busy = { state: 'busy' as const, job: { started: 100 } };
  assert.equal(timing.acceptsIn([], 100), Infinity, 'no worker: nothing wanted');
  assert.equal(timing.acceptsIn([busy, { state: 'idle' }], 100), 0, 'a worker without a frame wants one now');
  assert.equal(timing.acceptsIn([{ state: 'dead' }], 100), Infinity, 'a worker being replaced is skipped');
  // Run estimate 10 ms from the warm-up; lead = preprocess 1 + margin 2 + 2 × deviation 0.
  assert.equal(timing.acceptsIn([busy], 100), 7);
  assert.equal(timing.acceptsIn([busy], 109), 0, 'overdue: now, never negative');
  assert.equal(timing.acceptsIn([{ ...busy, next: {} }], 100), Infinity, 'a frame is already prepared');
  assert.equal(timing.acceptsIn([{ state: 'starting', job: { started: 0 } }], 100), Infinity, 'a starting worker is not timed');
  assert.equal(new PrefetchTiming(false).acceptsIn([busy], 100), Infinity, 'without prefetch a busy worker takes nothing more');
  timing.recordRun(20); // estimate 10 + 0.2 × 10 = 12, deviation 0.2 × 10 = 2
  assert.equal(timing.acceptsIn([busy], 100), 12 - (1 + 2 + 2 * 2));
  timing.recordPreprocess(6); // preprocess estimate 1 + 0.2 × 5 = 2
  assert.equal(timing.acceptsIn([busy], 100), 12 - (2 + 2 + 2 * 2));
});

void test('an overrunning inference times out, its worker is replaced, the next one succeeds', async () => {
  const timed = await InferencePool.create({ modelPath: model('boxes-yolov8.onnx'), threads: 1, workers: 1, timeoutMs: 400 });
  try {
    const started = Date.now();
    await assert.rejects(timed.infer({ data: scene(), letterbox: LB }, OPTS, { delayMs: 60_000 }), InferenceTimeoutError);
    assert.ok(Date.now() - started < 5000, 'rejected at the deadline, not after the slow work');
    assert.deepEqual(timed.stats(), { inFlight: 0, completed: 0, failed: 1, timeouts: 1, workerRestarts: 1 });
    assertScene(await timed.infer({ data: scene(), letterbox: LB }, OPTS));
    assert.deepEqual(timed.stats(), { inFlight: 0, completed: 1, failed: 1, timeouts: 1, workerRestarts: 1 });
  } finally {
    await timed.close();
  }
});

void test('a timeout fails only the running frame: the prepared one runs on the replacement worker', async () => {
  const timed = await InferencePool.create({ modelPath: model('boxes-yolov8.onnx'), threads: 1, workers: 1, timeoutMs: 400 });
  try {
    const stuck = timed.infer({ data: scene(), letterbox: LB }, OPTS, { delayMs: 60_000 });
    const prepared = timed.infer({ data: scene(), letterbox: LB }, OPTS);
    await assert.rejects(stuck, InferenceTimeoutError);
    assertScene(await prepared);
    assert.deepEqual(timed.stats(), { inFlight: 0, completed: 1, failed: 1, timeouts: 1, workerRestarts: 1 });
  } finally {
    await timed.close();
  }
});

void test('a crashed worker fails its frame and is replaced', async () => {
  const before = pool.stats();
  await assert.rejects(pool.infer({ data: scene(), letterbox: LB }, OPTS, { crash: true }), WorkerCrashedError);
  assertScene(await pool.infer({ data: scene(), letterbox: LB }, OPTS));
  const now = pool.stats();
  assert.equal(now.workerRestarts, before.workerRestarts + 1);
  assert.equal(now.failed, before.failed + 1);
  assert.equal(now.completed, before.completed + 1);
});

void test('close() lets in-flight inferences finish, then refuses new ones', async () => {
  const closing = await InferencePool.create({ modelPath: model('boxes-yolov8.onnx'), threads: 1, workers: 2, timeoutMs: 5000 });
  const a = closing.infer({ data: scene(), letterbox: LB }, OPTS, { delayMs: 300 });
  const b = closing.infer({ data: scene(), letterbox: LB }, OPTS, { delayMs: 100 });
  assert.equal(closing.stats().inFlight, 2);
  const closed = closing.close(5000);
  await assert.rejects(closing.infer({ data: scene(), letterbox: LB }, OPTS), PoolClosedError);
  assertScene(await a);
  assertScene(await b);
  await closed;
  assert.deepEqual(closing.stats(), { inFlight: 0, completed: 2, failed: 0, timeouts: 0, workerRestarts: 0 });
});

void test('close() past its deadline rejects what is still running', async () => {
  const closing = await InferencePool.create({ modelPath: model('boxes-yolov8.onnx'), threads: 1, workers: 1, timeoutMs: 30_000 });
  const slow = closing.infer({ data: scene(), letterbox: LB }, OPTS, { delayMs: 20_000 });
  const rejected = assert.rejects(slow, PoolClosedError);
  const started = Date.now();
  await closing.close(200);
  await rejected;
  assert.ok(Date.now() - started < 5000);
  assert.equal(closing.stats().failed, 1);
});

void test('yolov5 and end2end graphs: layout detected, labels from metadata, same detections', async () => {
  for (const [file, layout] of [['boxes-yolov5.onnx', 'yolov5'], ['boxes-end2end.onnx', 'end2end']] as const) {
    const other = await InferencePool.create({ modelPath: model(file), threads: 1, workers: 1, timeoutMs: 5000 });
    try {
      assert.equal(other.info.layout, layout);
      assert.deepEqual(other.info.labels, ['person', 'car']);
      const dets = await other.infer({ data: scene(), letterbox: LB }, OPTS);
      assertScene(dets);
      assert.equal(dets.length, 2, `${file}: ${JSON.stringify(dets)}`);
    } finally {
      await other.close();
    }
  }
});

void test('labels from a file when the model has no names metadata; numbered otherwise', async () => {
  const withFile = await InferencePool.create({
    modelPath: model('boxes-yolov8-nonames.onnx'),
    labelsFile: model('boxes.labels.txt'),
    threads: 1,
    workers: 1,
    timeoutMs: 5000,
  });
  await withFile.close();
  assert.deepEqual(withFile.info.labels, ['person', 'car']);
  const bare = await InferencePool.create({ modelPath: model('boxes-yolov8-nonames.onnx'), threads: 1, workers: 1, timeoutMs: 5000 });
  await bare.close();
  assert.deepEqual(bare.info.labels, ['class0', 'class1']);
});

void test('CUDA asked for but unavailable: falls back to CPU and says so once', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const cuda = await InferencePool.create({
    modelPath: model('boxes-yolov8.onnx'),
    threads: 1,
    workers: 2,
    timeoutMs: 5000,
    providers: ['cuda', 'cpu'],
    logger: pino({ level: 'info' }, sink),
  });
  await cuda.close();
  assert.deepEqual(cuda.info.providers, ['cpu']);
  const fallbacks = lines.filter((l) => l.includes('fallback'));
  assert.equal(fallbacks.length, 1, lines.join('\n'));
  assert.match(fallbacks[0]!, /cuda unavailable/);
});

void test('a model that cannot be opened is refused with its path and leaves no worker', async () => {
  await assert.rejects(
    InferencePool.create({ modelPath: model('boxes.labels.txt'), threads: 1, workers: 1, timeoutMs: 5000 }),
    /boxes\.labels\.txt/,
  );
  await assert.rejects(InferencePool.create({ modelPath: model('boxes-yolov8.onnx'), threads: 1, workers: 0, timeoutMs: 5000 }), /workers/);
});

/** The random-weight YOLOv8n (not committed, 12 MB; `scripts/make-test-models.py --yolov8n-640 PATH` builds one). */
const SPEED_MODEL = process.env.LOOKOUT_SPEED_MODEL ?? fileURLToPath(new URL('../../../shared/models/yolov8n-arch-640.onnx', import.meta.url));

void test('a deadline shorter than a real session.run (640 model): rejected on time, worker replaced, close() completes', {
  skip: existsSync(SPEED_MODEL) ? false : `no ${SPEED_MODEL}`,
}, async () => {
  const big = await InferencePool.create({ modelPath: SPEED_MODEL, threads: 1, workers: 1, timeoutMs: 5 });
  try {
    const lb: Letterbox = { srcWidth: 640, srcHeight: 640, scale: 1, padX: 0, padY: 0 };
    const started = performance.now();
    await assert.rejects(big.infer({ data: new Uint8Array(640 * 640 * 3).fill(114), letterbox: lb }, OPTS), InferenceTimeoutError);
    assert.ok(performance.now() - started < 2000, 'the caller is not held by the native run');
    const stats = big.stats();
    assert.equal(stats.timeouts, 1);
    assert.equal(stats.workerRestarts, 1);
  } finally {
    const closing = performance.now();
    await big.close(1000);
    assert.ok(performance.now() - closing < 5000);
  }
});

void test('timeout then close (640 model) does not abort the process: the worker leaves after its native run', {
  skip: existsSync(SPEED_MODEL) ? false : `no ${SPEED_MODEL}`,
}, () => {
  // In a child process: the failure this guards against is an abort of the whole process
  // ("terminate called after throwing an instance of 'Napi::Error'", exit 134).
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('timeout-close-child.ts', import.meta.url)), SPEED_MODEL], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    encoding: 'utf8',
    timeout: 120_000,
  });
  const output = `stdout: ${child.stdout}\nstderr: ${child.stderr}`;
  assert.equal(child.signal, null, output);
  assert.equal(child.status, 0, output);
  const seen = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
  assert.equal(seen.timedOut, 'InferenceTimeoutError', output);
  assert.equal(seen.running, 'PoolClosedError', output);
  assert.deepEqual(seen.first, { inFlight: 0, completed: 0, failed: 1, timeouts: 1, workerRestarts: 1 });
});

void test('measureOrtFps: bare session.run speed of a model', async () => {
  const { measureOrtFps } = await import('../model/measure-ort.ts');
  const speed = await measureOrtFps(model('boxes-yolov8.onnx'), 1, 0.2);
  assert.equal(speed.input, '160x160');
  assert.equal(speed.threads, 1);
  assert.ok(speed.runs >= 3 && speed.fps > 0 && speed.msP50 > 0 && speed.msP95 >= speed.msP50, JSON.stringify(speed));
});
