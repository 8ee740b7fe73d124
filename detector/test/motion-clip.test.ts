import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { tempDir } from './clips.ts';
import { renderQuietClip, scoreWindows, twoWindows, type ObjectWindow } from './motion-clips.ts';

// `lookout detect` over real ffmpeg clips with the bundled test model (real detections): the gate
// must keep the model off a quiet scene with sensor noise and drift, and lose nothing in the windows.
const LOOKOUT = fileURLToPath(new URL('../../bin/lookout.js', import.meta.url));
const SECONDS = 40;
const WIDTH = 1280;
const HEIGHT = 720;

const dir = tempDir('lookout-motion-');
const quiet = join(dir.path, 'quiet.mp4');
const windows = twoWindows(SECONDS, WIDTH);
/** An object that stays in the right half of the frame (for the mask test). */
const rightOnly: ObjectWindow[] = [{ label: 'person', start: 1, end: 4, box: { color: '0xE01818', width: 200, height: 160, x0: 760, y0: 200, vx: 80, vy: 0 } }];
const masked = join(dir.path, 'right-only.mp4');

before(async () => {
  await Promise.all([
    renderQuietClip(quiet, { width: WIDTH, height: HEIGHT, fps: 10, seconds: SECONDS, gop: 10, noise: 12, drift: 0.12, windows }),
    renderQuietClip(masked, { width: WIDTH, height: HEIGHT, fps: 10, seconds: 6, gop: 10, noise: 12, windows: rightOnly }),
  ]);
});
after(() => dir.dispose());

interface Line {
  frame: number;
  pts: number;
  motion: boolean;
  inferred: boolean;
  detections: Array<{ label: string; score: number; box: [number, number, number, number] }>;
}

async function detect(clip: string, extra: string[]): Promise<Line[]> {
  const result = await execa(process.execPath, [LOOKOUT, 'detect', clip, '--fps', '5', '--hwaccel', 'none', '--threads', '1', ...extra], { timeout: 180_000, reject: false });
  assert.equal(result.exitCode, 0, result.stderr);
  return result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Line);
}

const inWindow = (pts: number) => windows.some((window) => pts >= window.start && pts < window.end);

void test('quiet scene with noise and drift: the gate infers ≤ 5% of the frames outside the object windows and finds every object', async () => {
  const [on, off] = [await detect(quiet, ['--motion-gate', 'on']), await detect(quiet, ['--motion-gate', 'off'])];
  assert.equal(on.length, SECONDS * 5, 'one line per sampled frame with the gate on');
  assert.equal(off.length, SECONDS * 5);
  assert.ok(off.every((line) => line.inferred), 'gate off: every frame inferred');
  for (const line of on) {
    assert.equal(typeof line.motion, 'boolean');
    if (!line.inferred) assert.deepEqual(line.detections, [], 'a gated frame has no detections');
  }
  const outside = on.filter((line) => !inWindow(line.pts));
  const inferredOutside = outside.filter((line) => line.inferred).length;
  assert.ok(inferredOutside / outside.length <= 0.05, `inferred ${inferredOutside} of ${outside.length} frames outside the windows`);
  const motionOutside = outside.filter((line) => line.motion).length;
  assert.ok(motionOutside <= 2, `${motionOutside} frames outside the windows reported motion`);
  const scoredOn = scoreWindows(on, windows, { width: WIDTH, height: HEIGHT });
  const scoredOff = scoreWindows(off, windows, { width: WIDTH, height: HEIGHT });
  assert.ok(scoredOff.objects >= 40, `${scoredOff.objects} object appearances scored`);
  assert.ok(scoredOff.recall >= 0.9, `the model finds the objects without the gate (recall ${scoredOff.recall})`);
  assert.ok(Math.abs(scoredOn.recall - scoredOff.recall) <= 0.02, `recall on ${scoredOn.recall} vs off ${scoredOff.recall}`);
  assert.ok(Math.abs(scoredOn.precision - scoredOff.precision) <= 0.02, `precision on ${scoredOn.precision} vs off ${scoredOff.precision}`);
});

void test('motion only inside a masked polygon (config file) reports no motion; without the mask it does', async () => {
  const config = join(dir.path, 'mask.yml');
  writeFileSync(config, ['cameras:', '  - id: yard', `    source: file://${masked}`, '    motion:', '      mask:', '        - [[0.5, 0], [1, 0], [1, 1], [0.5, 1]]', ''].join('\n'));
  const withMask = await detect(masked, ['--config', config]);
  const without = await detect(masked, []);
  assert.equal(withMask.length, 30);
  assert.deepEqual(withMask.filter((line) => line.motion).map((line) => line.pts), [], 'no motion reported under the mask');
  assert.deepEqual(withMask.filter((line) => line.inferred).map((line) => line.frame), [0], 'only the first frame was inferred');
  assert.ok(without.filter((line) => line.motion).length >= 10, 'the same clip without the mask has motion');
});

void test('lookout detect: bad motion options exit 2 naming the option', async () => {
  const bad = await execa(process.execPath, [LOOKOUT, 'detect', masked, '--motion-gate', 'maybe'], { timeout: 60_000, reject: false });
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /--motion-gate must be on or off/);
  const orphan = await execa(process.execPath, [LOOKOUT, 'detect', masked, '--camera', 'yard'], { timeout: 60_000, reject: false });
  assert.equal(orphan.exitCode, 2);
  assert.match(orphan.stderr, /--camera needs --config/);
  const config = join(dir.path, 'bad.yml');
  writeFileSync(config, ['cameras:', '  - id: yard', `    source: file://${masked}`, '    motion:', '      threshold: 900', ''].join('\n'));
  const invalid = await execa(process.execPath, [LOOKOUT, 'detect', masked, '--config', config], { timeout: 60_000, reject: false });
  assert.equal(invalid.exitCode, 2);
  assert.match(invalid.stderr, /cameras\[0\]\.motion\.threshold/);
});
