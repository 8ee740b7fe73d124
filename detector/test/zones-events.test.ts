import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../common/config/load.ts';
import type { Detection } from '../model/types.ts';
import { ObjectTracker, trackSettingsFromCamera, type TrackEvent, type ZoneCounts } from '../track/index.ts';
import { applyObjectRules } from '../zones/masks.ts';
import { objectRules } from '../zones/rules.ts';

const W = 1280;
const H = 720;

function det(label: string, x: number, y: number, w = 100, h = 200, score = 0.8): Detection {
  return { label, class: label === 'person' ? 0 : 1, score, box: [x, y, x + w, y + h], boxNorm: [x / W, y / H, (x + w) / W, (y + h) / H] };
}

/** A yard camera with two zones side by side along the bottom half of the frame. */
function yard(extra: Record<string, unknown> = {}) {
  const config = parseConfig({
    cameras: [
      {
        id: 'yard',
        source: 'rtsp://127.0.0.1:8554/yard',
        detect: { fps: 2 },
        zones: {
          lawn: { coordinates: [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]] },
          // Pixel form, drawn on a 640x360 frame: converted to 0..1.
          drive: { coordinates: { frame: [640, 360], points: [[320, 180], [640, 180], [640, 360], [320, 360]] }, objects: ['person', 'car'] },
        },
        ...extra,
      },
    ],
  });
  const tracker = new ObjectTracker();
  tracker.configure('yard', trackSettingsFromCamera(config.cameras[0]!));
  return tracker;
}

/** A person walking left to right along the bottom (feet at y = 560 of 720), 80 px per frame at 2 fps. */
function walk(tracker: ObjectTracker, frames = 15): { events: TrackEvent[]; counts: ZoneCounts[] } {
  const events: TrackEvent[] = [];
  const counts: ZoneCounts[] = [];
  for (let i = 0; i < frames; i++) {
    const detections = [det('person', 100 + i * 80, 360)];
    events.push(...tracker.update('yard', detections, 1_700_000_000_000 + i * 500, { width: W, height: H }));
    counts.push(tracker.zoneCounts('yard'));
  }
  return { events, counts };
}

void test('pixel polygons are normalised at load', () => {
  const config = parseConfig({ cameras: [{ id: 'c', source: 'rtsp://127.0.0.1/x', zones: { drive: { coordinates: { frame: [640, 360], points: [[320, 180], [640, 180], [640, 360]] } } } }] });
  assert.deepEqual(config.cameras[0]?.zones?.drive?.coordinates, [[0.5, 0.5], [1, 0.5], [1, 1]]);
  assert.equal(config.cameras[0]?.zones?.drive?.anchor, 'bottom_center');
  assert.equal(config.cameras[0]?.zones?.drive?.inertia, 3);
});

void test('an object crossing two zones: exact entered_zones sequence, updates on each change, per-zone counts', () => {
  const { events, counts } = walk(yard());
  assert.equal(new Set(events.map((e) => e.id)).size, 1, 'one object, one id');
  assert.deepEqual(
    events.map((e) => `${e.type}:${e.currentZones.join('+')}:${e.enteredZones.join('>')}`),
    // Feet enter the lawn at once (inertia 3 frames), cross into the drive at x ≥ 640.
    ['new::', 'update:lawn:lawn', 'update::lawn', 'update:drive:lawn>drive'],
  );
  // Zone counts follow current_zones of announced objects.
  const lawn = counts.map((c) => c.lawn?.person ?? 0);
  const drive = counts.map((c) => c.drive?.person ?? 0);
  assert.deepEqual(lawn, [0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(drive, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(Object.keys(counts[0]!).sort(), ['drive', 'lawn'], 'every zone is reported, also when empty');
});

void test('required_zones holds back "new" until the object entered one of them', () => {
  const { events } = walk(yard({ events: { required_zones: ['drive'] } }));
  assert.equal(events[0]?.type, 'new');
  assert.deepEqual(events[0]?.currentZones, ['drive']);
  assert.deepEqual(events[0]?.enteredZones, ['lawn', 'drive'], 'zones entered before the announcement are kept');
  assert.equal(events[0]?.firstSeen, 1_700_000_000_000, 'the event starts when the object was first seen');
  assert.equal(events.length, 1);
});

void test('zone filters: labels, min_score and min_area keep objects out of a zone', () => {
  const tracker = yard();
  // A dog is not in the drive zone's label list; it still may be in the lawn (no filter).
  const events: TrackEvent[] = [];
  for (let i = 0; i < 6; i++) events.push(...tracker.update('yard', [det('dog', 700 + i * 10, 360)], i * 500, { width: W, height: H }));
  assert.deepEqual(events.map((e) => e.currentZones), [[]]);
  const small = yard({ zones: { lawn: { coordinates: [[0, 0], [1, 0], [1, 1], [0, 1]], min_area: 0.05, min_score: 0.7 } } });
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    for (const e of small.update('yard', [det('person', 100, 100, 100, 200, 0.8), det('car', 600, 100, 400, 300, 0.6)], i * 500, { width: W, height: H })) seen.push(`${e.label}:${e.currentZones.join('+')}`);
  }
  // The person is 2% of the frame (too small), the car scores 0.6 (too low): neither is in the zone.
  assert.deepEqual(seen.sort(), ['car:', 'person:']);
});

void test('object masks drop detections whose bottom centre is inside; label filters apply per label', () => {
  const rules = objectRules({
    mask: [[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]],
    filters: { car: { min_score: 0.6, max_area: 0.25, mask: [[[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]]] }, person: { min_area: 5000 } },
  });
  const inMask = det('person', 100, 50, 100, 200); // feet at y 250 < 360: masked
  const straddling = det('person', 100, 300, 100, 200); // head in the mask, feet below it: kept
  const tiny = det('person', 800, 50, 40, 80); // 3200 px² < 5000: dropped
  const weakCar = det('car', 800, 50, 100, 100, 0.5);
  const bigCar = det('car', 600, 0, 680, 350, 0.9); // 26% of the frame > 25%
  const carInCarMask = det('car', 800, 400, 100, 100, 0.9);
  const goodCar = det('car', 800, 50, 100, 100, 0.9);
  const kept = applyObjectRules([inMask, straddling, tiny, weakCar, bigCar, carInCarMask, goodCar], rules);
  assert.deepEqual(kept, [straddling, goodCar]);
  // Through the tracker: a person standing in the mask never becomes an event.
  const tracker = yard({ objects: { mask: [[[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]] } });
  const events: TrackEvent[] = [];
  for (let i = 0; i < 6; i++) events.push(...tracker.update('yard', [inMask], i * 500));
  assert.deepEqual(events, []);
  assert.deepEqual(tracker.filter('yard', [inMask, straddling]), [straddling]);
});

function issues(input: unknown): string[] {
  try {
    parseConfig(input as Parameters<typeof parseConfig>[0]);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

void test('bad zones and masks are refused with the offending field named', () => {
  const camera = (extra: Record<string, unknown>, id = 'yard') => ({ id, source: 'rtsp://127.0.0.1/x', ...extra });
  const square = [[0, 0], [1, 0], [1, 1], [0, 1]];
  const cases: Array<[unknown, RegExp]> = [
    [{ cameras: [camera({ zones: { 'Front Lawn': { coordinates: square } } })] }, /cameras\[0\]\.zones\.Front Lawn: zone names must match/],
    [{ cameras: [camera({ zones: { events: { coordinates: square } } })] }, /cameras\[0\]\.zones\.events: "events" is reserved/],
    [{ cameras: [camera({ zones: { lawn: { coordinates: [[0, 0], [1.5, 0], [1, 1]] } } })] }, /cameras\[0\]\.zones\.lawn\.coordinates/],
    [{ cameras: [camera({ zones: { lawn: { coordinates: { frame: [640, 360], points: [[0, 0], [700, 0], [600, 300]] } } } })] }, /zones\.lawn\.coordinates: points\[1\]: point \(700, 0\) lies outside the 640x360 frame/],
    [{ cameras: [camera({ zones: { lawn: { coordinates: [[0, 0], [1, 0]] } } })] }, /zones\.lawn\.coordinates/],
    [{ cameras: [camera({ zones: { lawn: { coordinates: square, anchor: 'top' } } })] }, /zones\.lawn\.anchor/],
    [{ cameras: [camera({ zones: { lawn: { coordinates: square } }, events: { required_zones: ['drive'] } })] }, /cameras\[0\]\.events\.required_zones\[0\]: "drive" is not a zone of camera "yard"/],
    [{ cameras: [camera({ zones: { gate: { coordinates: square } } }), camera({}, 'gate')] }, /cameras\[0\]\.zones\.gate: zone "gate" has the name of a camera/],
    [{ cameras: [camera({ zones: { gate: { coordinates: square } } }), camera({ zones: { gate: { coordinates: square } } }, 'back')] }, /cameras\[1\]\.zones\.gate: zone "gate" is also defined on cameras\[0\]/],
    [{ cameras: [camera({ objects: { mask: [[[0, 0], [2, 0], [1, 1]]] } })] }, /cameras\[0\]\.objects\.mask\[0\]/],
    [{ cameras: [camera({ objects: { filters: { car: { min_score: 2 } } } })] }, /cameras\[0\]\.objects\.filters\.car\.min_score/],
  ];
  for (const [input, pattern] of cases) {
    const found = issues(input);
    assert.ok(found.some((issue) => pattern.test(issue)), `${pattern}: got ${JSON.stringify(found)}`);
  }
});
