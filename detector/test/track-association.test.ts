import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Detection } from '../model/types.ts';
import { boxAt, CAR, PERSON, type MovingBox } from './clips.ts';
import { associate, predictBox } from '../track/association.ts';
import { ObjectTracker, trackSettings, type TrackEvent } from '../track/index.ts';

const W = 1280;
const H = 720;

function detectionOf(label: string, box: [number, number, number, number]): Detection {
  return { label, class: label === 'person' ? 0 : 1, score: 0.9, box, boxNorm: [box[0] / W, box[1] / H, box[2] / W, box[3] / H] };
}

/** The clip's objects as perfect detections, sampled at `fps` for `seconds`. */
function sample(boxes: Array<[string, MovingBox]>, fps: number, seconds: number): Array<{ t: number; detections: Detection[] }> {
  return Array.from({ length: Math.floor(seconds * fps) }, (_, i) => {
    const t = i / fps;
    return { t, detections: boxes.map(([label, box]) => detectionOf(label, boxAt(box, t))) };
  });
}

void test('prediction: a track with a velocity is looked for where it should be now', () => {
  const track = { label: 'car', box: [0, 0, 100, 50] as [number, number, number, number], velocity: [230, 0] as [number, number], lastSeen: 1000, missed: 0 };
  assert.deepEqual(predictBox({ ...track, velocity: [250, 0] }, 2000), [250, 0, 350, 50]);
  // The object moved 2.5 times its width: no overlap with the old box, but it matches the prediction.
  const moved = detectionOf('car', [250, 0, 350, 50]);
  assert.deepEqual(associate([track], [moved], 2000), [[0, 0]]);
  assert.deepEqual(associate([{ ...track, velocity: undefined }], [moved], 2000), [], 'without a velocity, 2.5 widths away is outside the gate');
  assert.deepEqual(associate([track], [{ ...moved, label: 'person' }], 2000), [], 'labels never mix');
});

for (const fps of [1, 2, 5]) {
  void test(`fast objects crossing each other keep one id each at ${fps} fps`, () => {
    // 3x the clip's speeds: at 1 fps the person moves 1.5 widths between frames, and the two cross.
    const fast: Array<[string, MovingBox]> = [
      ['person', { ...PERSON, vx: PERSON.vx * 3 }],
      ['car', { ...CAR, vx: CAR.vx * 3, vy: CAR.vy * 3 }],
    ];
    const tracker = new ObjectTracker({ defaults: trackSettings(fps) });
    const events: TrackEvent[] = [];
    for (const frame of sample(fast, fps, 3)) events.push(...tracker.update('yard', frame.detections, 1_700_000_000_000 + frame.t * 1000, { width: W, height: H }));
    const news = events.filter((e) => e.type === 'new');
    assert.deepEqual(news.map((e) => e.label).sort(), ['car', 'person'], `events: ${events.map((e) => `${e.type}:${e.label}`).join(' ')}`);
    assert.equal(new Set(events.map((e) => e.id)).size, 2);
  });
}
