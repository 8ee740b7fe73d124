import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detection } from '../model/types.ts';
import { IouTracker, type TrackEvent } from '../tracker.ts';

function det(label: string, x: number, y: number, size = 40, score = 0.9): Detection {
  const box: [number, number, number, number] = [x, y, x + size, y + size];
  return { label, class: label === 'person' ? 0 : 1, score, box, boxNorm: [x / 640, y / 360, (x + size) / 640, (y + size) / 360] };
}

const types = (events: TrackEvent[]): string[] => events.map((e) => `${e.type}:${e.id}:${e.label}`).sort();

void test('moving boxes keep stable ids; new, update and end events carry first/last seen', () => {
  const tracker = new IouTracker({ maxMissed: 2 });
  const first = tracker.update('cam1', [det('person', 10, 10), det('car', 300, 200)], 1000);
  assert.deepEqual(types(first), ['new:cam1:1:person', 'new:cam1:2:car']);
  let now = 1000;
  for (let step = 1; step <= 10; step++) {
    now += 200;
    const events = tracker.update('cam1', [det('person', 10 + step * 5, 10 + step * 3), det('car', 300 - step * 6, 200)], now);
    assert.deepEqual(types(events), ['update:cam1:1:person', 'update:cam1:2:car']);
  }
  assert.deepEqual(tracker.counts('cam1'), { person: 1, car: 1 });
  // The car leaves: it survives maxMissed (2) frames, then ends with its last-seen time.
  const seen = now;
  now += 200;
  assert.deepEqual(types(tracker.update('cam1', [det('person', 65, 43)], now)), ['update:cam1:1:person']);
  now += 200;
  tracker.update('cam1', [det('person', 70, 46)], now);
  now += 200;
  const ended = tracker.update('cam1', [det('person', 75, 49)], now);
  const end = ended.find((e) => e.type === 'end');
  assert.ok(end, 'car track ended');
  assert.equal(end.id, 'cam1:2');
  assert.equal(end.firstSeen, 1000);
  assert.equal(end.lastSeen, seen);
  assert.deepEqual(tracker.counts('cam1'), { person: 1 });
});

void test('a different label at the same place is a different object; cameras are independent', () => {
  const tracker = new IouTracker();
  tracker.update('a', [det('person', 10, 10)], 0);
  const events = tracker.update('a', [det('car', 10, 10)], 100);
  assert.deepEqual(types(events), ['new:a:2:car']);
  assert.deepEqual(types(tracker.update('b', [det('person', 10, 10)], 100)), ['new:b:1:person']);
  assert.deepEqual(tracker.counts('a'), { person: 1, car: 1 });
  assert.deepEqual(tracker.counts('nope'), {});
});

void test('tracks end after max age even when frames are rare', () => {
  const tracker = new IouTracker({ maxMissed: 100, maxAgeMs: 1000 });
  tracker.update('c', [det('person', 10, 10)], 0);
  assert.deepEqual(types(tracker.update('c', [], 500)), []);
  assert.deepEqual(types(tracker.update('c', [], 1600)), ['end:c:1:person']);
});

void test('two close objects each keep their own id (highest IoU wins)', () => {
  const tracker = new IouTracker();
  tracker.update('c', [det('person', 0, 0), det('person', 30, 0)], 0);
  const events = tracker.update('c', [det('person', 32, 0), det('person', 2, 0)], 100);
  const byId = new Map(events.map((e) => [e.id, e.box[0]]));
  assert.equal(byId.get('c:1'), 2);
  assert.equal(byId.get('c:2'), 32);
});

void test('endCamera ends every live track and forgets the camera', () => {
  const tracker = new IouTracker();
  tracker.update('c', [det('person', 0, 0), det('car', 100, 100)], 0);
  assert.deepEqual(types(tracker.endCamera('c')), ['end:c:1:person', 'end:c:2:car']);
  assert.deepEqual(tracker.counts('c'), {});
  assert.deepEqual(tracker.endCamera('c'), []);
});
