import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detection } from '../model/types.ts';
import { EVENT_ID_PATTERN, ObjectTracker, trackSettings, type TrackEvent } from '../track/index.ts';

function det(label: string, x: number, y: number, size = 40, score = 0.9): Detection {
  const box: [number, number, number, number] = [x, y, x + size, y + size];
  return { label, class: label === 'person' ? 0 : 1, score, box, boxNorm: [x / 640, y / 360, (x + size) / 640, (y + size) / 360] };
}

const kinds = (events: TrackEvent[]): string[] => events.map((e) => `${e.type}:${e.label}`).sort();

void test('moving boxes keep stable ids; new after min_initialized hits, end after max_disappeared with first/last seen', () => {
  const tracker = new ObjectTracker({ defaults: trackSettings(5, { minInitialized: 2, maxDisappeared: 2 }) });
  assert.deepEqual(tracker.update('cam1', [det('person', 10, 10), det('car', 300, 200)], 1000), [], 'first hit: not yet an event');
  const first = tracker.update('cam1', [det('person', 15, 13), det('car', 294, 200)], 1200);
  assert.deepEqual(kinds(first), ['new:car', 'new:person']);
  for (const event of first) assert.match(event.id, EVENT_ID_PATTERN);
  assert.ok(first.every((e) => e.id.startsWith('1.000000.')), 'id starts with the start time in seconds');
  const ids = new Map(first.map((e) => [e.label, e.id]));
  let now = 1200;
  for (let step = 2; step <= 10; step++) {
    now += 200;
    const events = tracker.update('cam1', [det('person', 10 + step * 5, 10 + step * 3), det('car', 300 - step * 6, 200)], now);
    assert.deepEqual(events, [], 'nothing an automation can use changed: no update');
  }
  assert.deepEqual(tracker.counts('cam1'), { person: 1, car: 1 });
  // The car leaves: it survives max_disappeared (2) frames, then ends with its last-seen time.
  const seen = now;
  now += 200;
  tracker.update('cam1', [det('person', 65, 43)], now);
  now += 200;
  tracker.update('cam1', [det('person', 70, 46)], now);
  now += 200;
  const ended = tracker.update('cam1', [det('person', 75, 49)], now);
  const end = ended.find((e) => e.type === 'end');
  assert.ok(end, 'car track ended');
  assert.equal(end.id, ids.get('car'));
  assert.equal(end.firstSeen, 1000);
  assert.equal(end.lastSeen, seen);
  assert.equal(end.endTime, seen);
  assert.deepEqual(tracker.counts('cam1'), { person: 1 });
});

void test('a different label at the same place is a different object; cameras are independent', () => {
  const tracker = new ObjectTracker({ defaults: trackSettings(5, { minInitialized: 1 }) });
  const person = tracker.update('a', [det('person', 10, 10)], 0);
  const car = tracker.update('a', [det('person', 10, 10), det('car', 10, 10)], 100);
  assert.deepEqual(kinds(person), ['new:person']);
  assert.deepEqual(kinds(car), ['new:car']);
  assert.notEqual(person[0]?.id, car[0]?.id);
  assert.deepEqual(kinds(tracker.update('b', [det('person', 10, 10)], 100)), ['new:person']);
  assert.deepEqual(tracker.counts('a'), { person: 1, car: 1 });
  assert.deepEqual(tracker.counts('nope'), {});
});

void test('tracks end after max_disappeared frame intervals of time even when frames are rare', () => {
  // 5 fps, max_disappeared 5 frames: gone after 1 s without a match, however few frames arrive.
  const tracker = new ObjectTracker({ defaults: trackSettings(5, { minInitialized: 1, maxDisappeared: 5 }) });
  tracker.update('c', [det('person', 10, 10)], 0);
  assert.deepEqual(kinds(tracker.update('c', [], 500)), []);
  assert.deepEqual(kinds(tracker.update('c', [], 1600)), ['end:person']);
});

void test('two close objects each keep their own id (cheapest match wins)', () => {
  const tracker = new ObjectTracker({ defaults: trackSettings(5, { minInitialized: 1 }) });
  const started = tracker.update('c', [det('person', 0, 0), det('person', 30, 0)], 0);
  const idAt = new Map(started.map((e) => [e.box[0], e.id]));
  tracker.update('c', [det('person', 32, 0), det('person', 2, 0)], 100);
  const after = tracker.endCamera('c');
  const byId = new Map(after.map((e) => [e.id, e.box[0]]));
  assert.equal(byId.get(idAt.get(0)!), 2);
  assert.equal(byId.get(idAt.get(30)!), 32);
});

void test('endCamera ends every announced track, drops unannounced ones silently and forgets the camera', () => {
  const tracker = new ObjectTracker({ defaults: trackSettings(5, { minInitialized: 2 }) });
  tracker.update('c', [det('person', 0, 0), det('car', 100, 100)], 0);
  tracker.update('c', [det('person', 0, 0), det('car', 100, 100), det('person', 300, 300)], 200);
  assert.deepEqual(kinds(tracker.endCamera('c')), ['end:car', 'end:person']);
  assert.deepEqual(tracker.counts('c'), {});
  assert.equal(tracker.liveTracks('c'), 0);
  assert.equal(tracker.cameraCount, 0);
  assert.deepEqual(tracker.endCamera('c'), []);
});
