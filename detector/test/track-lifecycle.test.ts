import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Detection } from '../model/types.ts';
import { ObjectTracker, trackSettings, type TrackEvent } from '../track/index.ts';

const W = 1280;
const H = 720;

function det(label: string, x: number, y: number, w = 120, h = 160, score = 0.8): Detection {
  return { label, class: label === 'person' ? 0 : 1, score, box: [x, y, x + w, y + h], boxNorm: [x / W, y / H, (x + w) / W, (y + h) / H] };
}

/** Feeds frames at `fps` starting at t0; returns every event. */
function run(tracker: ObjectTracker, frames: Detection[][], fps: number, t0 = 1_700_000_000_000): TrackEvent[] {
  const events: TrackEvent[] = [];
  frames.forEach((detections, index) => events.push(...tracker.update('cam', detections, t0 + (index * 1000) / fps, { width: W, height: H })));
  return events;
}

for (const fps of [1, 2, 5, 10]) {
  void test(`a single-frame false positive never produces "new" (${fps} fps defaults)`, () => {
    const tracker = new ObjectTracker({ defaults: trackSettings(fps) });
    const frames: Detection[][] = Array.from({ length: 30 }, () => []);
    frames[3] = [det('person', 400, 300)];
    frames[12] = [det('car', 100, 100), det('person', 900, 500)];
    assert.deepEqual(run(tracker, frames, fps), []);
    assert.equal(tracker.liveTracks('cam'), 0, 'the one-off tracks are gone');
    assert.deepEqual(tracker.counts('cam'), {});
  });
}

void test('an object that stops becomes stationary and keeps its id; moving again is an update too', () => {
  const fps = 2;
  const tracker = new ObjectTracker({ defaults: trackSettings(fps, { stationaryThreshold: 6 }) });
  const frames: Detection[][] = [];
  for (let i = 0; i < 6; i++) frames.push([det('car', 100 + i * 80, 300)]);
  for (let i = 0; i < 20; i++) frames.push([det('car', 580 + (i % 2) * 3, 300 + (i % 3))]); // parked, box jitter only
  for (let i = 1; i <= 4; i++) frames.push([det('car', 580 + i * 80, 300)]);
  const events = run(tracker, frames, fps);
  assert.deepEqual(events.map((e) => `${e.type}:${e.stationary}`), ['new:false', 'update:true', 'update:false']);
  assert.equal(new Set(events.map((e) => e.id)).size, 1, 'one id throughout');
  const stationary = events[1]!;
  assert.ok(stationary.motionlessCount >= 6, `motionless_count ${stationary.motionlessCount}`);
  assert.equal(events[2]!.motionlessCount, 0);
  assert.ok(events[2]!.positionChanges > stationary.positionChanges, 'position_changes counts the moves');
});

void test('score-only updates stay under the rate limit (default at most one per 5 s per event)', () => {
  const fps = 5;
  const tracker = new ObjectTracker({ defaults: trackSettings(fps) });
  // 60 s of a person walking slowly (never stationary) whose score improves a little on every frame.
  const frames = Array.from({ length: 60 * fps }, (_, i) => [det('person', 100 + i * 3, 300, 120, 160, 0.5 + (0.45 * i) / (60 * fps))]);
  const events = run(tracker, frames, fps);
  const updates = events.filter((e) => e.type === 'update');
  assert.equal(events[0]?.type, 'new');
  assert.ok(events.every((e) => !e.stationary));
  assert.ok(updates.length <= 60 / 5, `${updates.length} updates in 60 s`);
  assert.ok(updates.length >= 10, 'better scores are still reported');
  for (let i = 1; i < updates.length; i++) assert.ok(updates[i]!.lastSeen - updates[i - 1]!.lastSeen >= 5000);
  assert.ok(updates.every((u, i) => i === 0 || u.topScore > updates[i - 1]!.topScore));
});

const frameArb = fc.array(
  fc.record({
    label: fc.constantFrom('person', 'car'),
    x: fc.integer({ min: 0, max: W - 40 }),
    y: fc.integer({ min: 0, max: H - 40 }),
    size: fc.integer({ min: 8, max: 300 }),
    score: fc.double({ min: 0.3, max: 1, noNaN: true }),
  }),
  { maxLength: 12 },
);

void test('10 000 random frame sequences keep tracker state bounded and the lifecycle well formed', () => {
  fc.assert(
    fc.property(fc.array(frameArb, { maxLength: 25 }), fc.constantFrom(1, 2, 5), fc.integer({ min: 2, max: 8 }), (frames, fps, maxTracks) => {
      const tracker = new ObjectTracker({ defaults: trackSettings(fps, { maxTracks, stationaryThreshold: 3 }) });
      const events: TrackEvent[] = [];
      let t = 0;
      for (const boxes of frames) {
        t += 1000 / fps;
        const detections = boxes.map((b) => det(b.label, b.x, b.y, Math.min(b.size, W - b.x), Math.min(b.size, H - b.y), b.score));
        events.push(...tracker.update('cam', detections, t, { width: W, height: H }));
        if (tracker.liveTracks('cam') > maxTracks) return false;
      }
      // Long enough without detections: every track is gone and ended exactly once.
      for (let i = 0; i <= tracker.settings('cam').maxDisappeared + 1; i++) {
        t += 1000 / fps;
        events.push(...tracker.update('cam', [], t));
      }
      if (tracker.liveTracks('cam') !== 0) return false;
      const state = new Map<string, string>();
      for (const event of events) {
        const before = state.get(event.id);
        if (event.type === 'new' && before !== undefined) return false;
        if (event.type !== 'new' && before !== 'new') return false;
        state.set(event.id, event.type === 'end' ? 'end' : 'new');
      }
      if ([...state.values()].some((value) => value !== 'end')) return false;
      tracker.endCamera('cam');
      return tracker.cameraCount === 0;
    }),
    { numRuns: 10_000 },
  );
});
