import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameSlot } from '../decode/frame-slot.ts';
import type { DecodedFrame } from '../decode/frame-parser.ts';
import type { Detection } from '../model/types.ts';
import { InferenceDeadlineError, Scheduler, type ScheduledCamera } from '../inference/scheduler.ts';
import { FakeSlowInferencePool } from './fake-inference-pool.ts';

function frame(tag: number, index: number): DecodedFrame {
  const data = new Uint8Array(12);
  data[0] = tag;
  return { index, pts: index / 5, data, letterbox: { srcWidth: 64, srcHeight: 64, scale: 1, padX: 0, padY: 0 }, decodedAt: Date.now(), decodedAtMono: performance.now() };
}

function camera(id: string, results: Array<{ id: string; detections: Detection[] }>, failures: unknown[] = []): ScheduledCamera {
  return {
    id,
    slot: new FrameSlot<DecodedFrame>(),
    postprocess: () => ({ minScore: 0.5, iouThreshold: 0.45 }),
    onResult: (_frame, detections) => results.push({ id, detections }),
    onFailure: (_frame, error) => failures.push(error),
  };
}

void test('latest wins: a new frame replaces an unprocessed one and the drop is counted', () => {
  const slot = new FrameSlot<number>();
  assert.equal(slot.offer(1), undefined);
  assert.equal(slot.offer(2), 1);
  assert.equal(slot.offer(3), 2);
  assert.equal(slot.take(), 3);
  assert.equal(slot.take(), undefined);
  assert.equal(slot.skipped, 2);
  slot.offer(4);
  slot.clear();
  assert.equal(slot.waiting, false);
  assert.equal(slot.skipped, 2, 'clear is not a skip');
});

/** The FAKE slow pool with a prepare-ahead signal: wants a frame while fewer than `capacity` are in flight. */
class FakePrefetchingPool extends FakeSlowInferencePool {
  constructor(
    delayMs: number,
    readonly capacity: number,
  ) {
    super(delayMs);
  }
  acceptsIn(): number {
    return this.inFlight < this.capacity ? 0 : Infinity;
  }
}

for (const prefetching of [false, true]) {
  void test(`fair across cameras with a slow inference${prefetching ? ' (runner preparing ahead: two per camera)' : ''}: round-robin, at most \`capacity\` in flight, drops counted`, async () => {
    const pool = prefetching ? new FakePrefetchingPool(20, 2) : new FakeSlowInferencePool(20);
    const scheduler = new Scheduler({ runner: pool, capacity: 2, deadlineMs: 5000 });
    const results: Array<{ id: string; detections: Detection[] }> = [];
    const cameras = ['a', 'b', 'c'].map((id) => camera(id, results));
    cameras.forEach((cam) => scheduler.add(cam));
    // Camera a floods (a frame every 2 ms), b and c every 10 ms: a must not starve them.
    let n = 0;
    const feeders = [
      setInterval(() => {
        cameras[0]?.slot.offer(frame(0, n++));
        scheduler.notify();
      }, 2),
      ...[1, 2].map((k) =>
        setInterval(() => {
          cameras[k]?.slot.offer(frame(k, n++));
          scheduler.notify();
        }, 10),
      ),
    ];
    await new Promise((resolve) => setTimeout(resolve, 1500));
    feeders.forEach(clearInterval);
    scheduler.stopIntake();
    assert.equal(await scheduler.drain(2000), true);
    assert.ok(pool.maxInFlight <= 2, `max in flight ${pool.maxInFlight}`);
    const per = ['a', 'b', 'c'].map((id) => results.filter((result) => result.id === id).length);
    const [a = 0, b = 0, c = 0] = per;
    assert.ok(b > 0 && c > 0, `b and c were served: ${per.join('/')}`);
    assert.ok(a <= 1.5 * Math.min(b, c) + 3, `a (${a}) did not starve b (${b}) and c (${c})`);
    assert.ok((cameras[0]?.slot.skipped ?? 0) > 0, 'the flooding camera dropped frames (latest wins)');
    await pool.close();
  });
}

void test('an inference that never answers fails at the scheduler deadline and frees capacity', async () => {
  const pool = new FakeSlowInferencePool(10);
  pool.hang = true;
  const scheduler = new Scheduler({ runner: pool, capacity: 1, deadlineMs: 200 });
  const results: Array<{ id: string; detections: Detection[] }> = [];
  const failures: unknown[] = [];
  const cam = camera('x', results, failures);
  scheduler.add(cam);
  cam.slot.offer(frame(1, 0));
  scheduler.notify();
  assert.equal(scheduler.inFlight, 1);
  const started = Date.now();
  assert.equal(await scheduler.drain(3000), true);
  assert.ok(Date.now() - started < 2000);
  assert.equal(failures.length, 1);
  assert.ok(failures[0] instanceof InferenceDeadlineError);
  assert.equal(scheduler.failed, 1);
  pool.hang = false;
  cam.slot.offer(frame(1, 1));
  scheduler.notify();
  assert.equal(await scheduler.drain(3000), true);
  assert.equal(results.length, 1, 'the next frame went through');
  await pool.close();
});

void test('a rejected inference is counted as failed and dispatch continues', async () => {
  const failures: unknown[] = [];
  const results: Array<{ id: string; detections: Detection[] }> = [];
  let calls = 0;
  const scheduler = new Scheduler({
    runner: { infer: async () => (++calls === 1 ? Promise.reject(new Error('worker crashed')) : []) },
    capacity: 1,
    deadlineMs: 1000,
  });
  const cam = camera('y', results, failures);
  scheduler.add(cam);
  cam.slot.offer(frame(1, 0));
  scheduler.notify();
  await scheduler.drain(1000);
  cam.slot.offer(frame(1, 1));
  scheduler.notify();
  await scheduler.drain(1000);
  assert.equal(failures.length, 1);
  assert.equal(results.length, 1);
  assert.equal(scheduler.failed, 1);
});

/** A runner that prepares ahead (like InferencePool with prefetch): answers each frame when told to. */
class ManualRunner {
  wantIn = 0;
  readonly pending: Array<{ tag: number; answer: () => void }> = [];
  acceptsIn(): number {
    return this.wantIn;
  }
  infer(frame: { data: Uint8Array }): Promise<Detection[]> {
    const tag = frame.data[0] ?? 0;
    return new Promise((resolve) => this.pending.push({ tag, answer: () => resolve([{ label: 'person', class: 0, score: tag / 100, box: [0, 0, 1, 1], boxNorm: [0, 0, 1, 1] }]) }));
  }
}

void test('a runner that prepares ahead: two frames of one camera in flight, results still in frame order', async () => {
  const runner = new ManualRunner();
  const scheduler = new Scheduler({ runner, capacity: 2, deadlineMs: 5000 });
  const results: Array<{ id: string; detections: Detection[] }> = [];
  const cam = camera('p', results);
  scheduler.add(cam);
  cam.slot.offer(frame(1, 0));
  scheduler.notify();
  cam.slot.offer(frame(2, 1));
  scheduler.notify();
  cam.slot.offer(frame(3, 2));
  scheduler.notify();
  assert.equal(scheduler.inFlight, 2, 'at most two per camera');
  assert.ok(cam.slot.waiting, 'the third frame waits in its slot');
  // The second answers first: it is held until the first is delivered.
  runner.pending[1]?.answer();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(results.length, 0);
  runner.pending[0]?.answer();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(results.map((r) => r.detections[0]?.score), [0.01, 0.02]);
  runner.pending[2]?.answer();
  assert.equal(await scheduler.drain(1000), true);
  assert.deepEqual(results.map((r) => r.detections[0]?.score), [0.01, 0.02, 0.03]);
});

void test('a frame waits in its slot until the runner wants it, then goes without another notify', async () => {
  const runner = new ManualRunner();
  runner.wantIn = 60;
  const scheduler = new Scheduler({ runner, capacity: 2, deadlineMs: 5000 });
  const results: Array<{ id: string; detections: Detection[] }> = [];
  const recycled: number[] = [];
  const cam = { ...camera('w', results), recycle: (f: DecodedFrame) => recycled.push(f.index) };
  scheduler.add(cam);
  cam.slot.offer(frame(7, 0));
  const offered = performance.now();
  scheduler.notify();
  assert.equal(runner.pending.length, 0, 'not wanted yet');
  setTimeout(() => (runner.wantIn = 0), 40);
  while (runner.pending.length === 0 && performance.now() - offered < 2000) await new Promise((resolve) => setTimeout(resolve, 5));
  const waited = performance.now() - offered;
  assert.ok(waited >= 55 && waited < 500, `dispatched when wanted (${waited.toFixed(0)} ms)`);
  assert.deepEqual(recycled, [0], 'the buffer went back once the runner took the frame');
  runner.pending[0]?.answer();
  assert.equal(await scheduler.drain(1000), true);
  assert.equal(results.length, 1);
  scheduler.stopIntake();
});
