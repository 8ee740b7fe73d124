import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { DEFAULT_MODEL_PATH } from '../service.ts';
import { EVENT_ID_PATTERN } from '../track/index.ts';
import { CAR, PERSON, renderClip, tempDir } from './clips.ts';

/**
 * Association at low detect rates on one real clip through `lookout detect --events` (real ffmpeg,
 * the bundled boxes model): a person and a car cross the frame and each other, moving up to 150 px
 * a second, so at 1 fps the person moves more than half its width between frames and the boxes of
 * consecutive frames barely overlap. Each object must keep one event id at 1, 2 and 5 fps.
 */
const LOOKOUT = fileURLToPath(new URL('../../bin/lookout.js', import.meta.url));
const dir = tempDir();
const clip = join(dir.path, 'crossing.mp4');
const zones = join(dir.path, 'zones.yml');
const badZones = join(dir.path, 'bad-zones.yml');

before(async () => {
  await renderClip(clip, { width: 1280, height: 720, fps: 10, seconds: 6, gop: 10, boxes: [{ ...PERSON, vx: 150 }, { ...CAR, vx: -120 }] });
  writeFileSync(zones, ['zones:', '  left_half: { coordinates: [[0, 0], [0.5, 0], [0.5, 1], [0, 1]], inertia: 1 }', '  right_half: { coordinates: { frame: [1280, 720], points: [[640, 0], [1280, 0], [1280, 720], [640, 720]] }, inertia: 1 }', ''].join('\n'));
  writeFileSync(badZones, 'zones:\n  left: { coordinates: [[0, 0], [0.5, 0]] }\n');
});
after(() => dir.dispose());

interface EventLine {
  event: { type: string; before?: { id: string }; after: { id: string; label: string; entered_zones: string[]; start_time: number; end_time: number | null } };
}

const skip = !existsSync(DEFAULT_MODEL_PATH) && 'test model not built yet';

for (const fps of [1, 2, 5]) {
  void test(`one track per object at ${fps} fps (real clip, real model, lookout detect --events)`, { skip }, async () => {
    const result = await execa(process.execPath, [LOOKOUT, 'detect', clip, '--fps', String(fps), '--motion-gate', 'off', '--events', '--zones', zones, '--hwaccel', 'none'], { timeout: 120_000, reject: false });
    assert.equal(result.exitCode, 0, result.stderr);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const frames = lines.filter((line) => !('event' in line));
    assert.equal(frames.length, 6 * fps, 'still one line per sampled frame');
    const events = lines.filter((line): line is EventLine & Record<string, unknown> => 'event' in line).map((line) => line.event);
    const summary = events.map((e) => `${e.type}:${e.after.label}`).join(' ');
    const news = events.filter((e) => e.type === 'new');
    assert.deepEqual(news.map((e) => e.after.label).sort(), ['car', 'person'], summary);
    const ids = new Set(events.map((e) => e.after.id));
    assert.equal(ids.size, 2, `one id per object: ${summary}`);
    for (const id of ids) {
      assert.match(id, EVENT_ID_PATTERN);
      const own = events.filter((e) => e.after.id === id);
      assert.equal(own[0]?.type, 'new');
      assert.equal(own.at(-1)?.type, 'end', 'the end of the input ends the track');
      assert.ok(own.slice(1).every((e) => e.before?.id === id), 'update/end carry before');
    }
    const entered = Object.fromEntries(events.filter((e) => e.type === 'end').map((e) => [e.after.label, e.after.entered_zones]));
    assert.deepEqual(entered, { person: ['left_half', 'right_half'], car: ['right_half', 'left_half'] });
  });
}

void test('lookout detect --zones: a bad zones file is refused with the field named (exit 2)', async () => {
  const result = await execa(process.execPath, [LOOKOUT, 'detect', clip, '--zones', badZones], { timeout: 60_000, reject: false });
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /zones\.left\.coordinates: a polygon needs at least 3 points/);
});
