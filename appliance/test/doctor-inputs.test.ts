// `lookout doctor`'s per-input lines with real ffprobe on generated clips with known size, fps, GOP
// and B-frames: what is reported, what is flagged (a 1080p main stream without a detect input, a
// wide detect input, keyframes more than 4 s apart), and a missing ffprobe. Network inputs (RTSP,
// MJPEG over HTTP, inputs that do not answer) are in doctor-inputs-network.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { formatReport } from '../doctor.ts';
import { doctorOn, inputLine, renderClip } from './doctor-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'lookout-doctor-inputs-'));
const clips = {
  /** 1920×1080, 10 fps, a keyframe every 50 frames (5 s), two B-frames. */
  main: join(dir, 'main.mp4'),
  /** 640×360, 10 fps, a keyframe every 10 frames (1 s), no B-frames. */
  sub: join(dir, 'sub.mp4'),
  /** 1600×900 (wider than 1280), 10 fps, GOP 20, no B-frames. */
  wide: join(dir, 'wide.mp4'),
};

before(async () => {
  await Promise.all([renderClip(clips.main, '1920x1080', 12, 50, 2), renderClip(clips.sub, '640x360', 4, 10, 0), renderClip(clips.wide, '1600x900', 5, 20, 0)]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const doctor = (yaml: string, options: { timeoutMs?: number; probeWindowSec?: number } = {}) => doctorOn(dir, yaml, options);

void test('generated files: size, codec, profile, fps, GOP in frames and seconds, B-frames; a 5 s GOP and a wide detect input are flagged', async () => {
  const report = await doctor(
    [
      'cameras:',
      '  - id: front',
      '    inputs:',
      `      - source: file://${clips.main}`,
      '        roles: [stream]',
      `      - source: file://${clips.sub}`,
      '        roles: [detect]',
      '    detect: { fps: 5 }',
      '  - id: wide',
      '    inputs:',
      `      - source: file://${clips.sub}`,
      '        roles: [stream]',
      `      - source: file://${clips.wide}`,
      '        roles: [detect]',
      '    detect: { fps: 5 }',
      '',
    ].join('\n'),
  );
  const main = inputLine(report, 'front input 0 [stream]');
  assert.equal(main.status, 'warn');
  assert.match(main.detail, /: h264 \w[\w ]*, 1920×1080, 10 fps, GOP 50 frames \(5\.0 s\), B-frames\n/);
  assert.match(main.detail, /keyframes only every 5\.0 s \(more than 4 s\)/);
  assert.match(main.hint ?? '', /keyframe \(I-frame\) interval to 4 s or less/);
  assert.doesNotMatch(main.detail, /sub-stream|detect input/, 'a stream-only input is not judged as a detect input');

  const sub = inputLine(report, 'front input 1 [detect]');
  assert.equal(sub.status, 'ok', sub.detail);
  assert.equal(sub.detail, 'front input 1 [detect]: h264 Constrained Baseline, 640×360, 10 fps, GOP 10 frames (1.0 s), no B-frames');
  assert.equal(sub.hint, undefined);

  const wide = inputLine(report, 'wide input 1 [detect]');
  assert.equal(wide.status, 'warn');
  assert.match(wide.detail, /1600×900, 10 fps, GOP 20 frames \(2\.0 s\), no B-frames\nthe detect input is 1600×900, wider than 1280 px$/);
  assert.match(wide.hint ?? '', /use the camera's sub-stream/i);
  assert.match(formatReport(report), /\[warn\] input +wide input 1 \[detect\]: /);
});

void test('one input at 1080p: the missing detect input is flagged with the sub-stream hint, unless the detector reads a smaller transcode', async () => {
  const report = await doctor(
    [
      'cameras:',
      '  - id: single',
      `    source: file://${clips.main}`,
      '    detect: { fps: 5 }',
      '  - id: scaled',
      `    source: file://${clips.main}`,
      '    video: h264',
      '    transcode: { width: 1280 }',
      '    detect: { fps: 5 }',
      '  - id: nodetect',
      `    source: file://${clips.main}`,
      '    detect: { enabled: false }',
      // No detect section: the detector does not take this camera.
      '  - id: streamonly',
      `    source: file://${clips.main}`,
      '',
    ].join('\n'),
  );
  const single = inputLine(report, 'single input 0 [stream, detect]');
  assert.equal(single.status, 'warn');
  assert.match(single.detail, /no detect input: the detector decodes this 1920×1080 main stream/);
  assert.match(single.hint ?? '', /sub-stream .* as a second input with roles \[detect\]/);

  const scaled = inputLine(report, 'scaled input 0 [stream, detect]');
  assert.match(scaled.detail, /the detector decodes the gateway's 1280×720 transcode of it/);
  assert.doesNotMatch(scaled.detail, /no detect input|wider than/);

  for (const id of ['nodetect', 'streamonly']) {
    const line = inputLine(report, `${id} input 0 [stream, detect]`);
    assert.match(line.detail, /1920×1080/);
    assert.doesNotMatch(line.detail, /no detect input|wider than|transcode/);
  }
});

void test('a window shorter than the GOP: the interval is bounded below and still flagged past 4 s', async () => {
  const report = await doctor(['cameras:', '  - id: front', `    source: file://${clips.main}`, '    detect: { enabled: false }', ''].join('\n'), { probeWindowSec: 4.5 });
  const main = inputLine(report, 'front input 0 [stream, detect]');
  assert.equal(main.status, 'warn');
  // Keyframes 5 s apart, 4.5 s of packets read: one keyframe seen, the gap is at least ~4.2-4.5 s.
  assert.match(main.detail, /, GOP longer than 4\.[2-5] s \(fewer than two keyframes seen\), B-frames\nno new keyframe for 4\.[2-5] s \(more than 4 s\)$/);
});

void test('without a runnable ffprobe every probed input fails and says how to fix it; generated inputs still report', async () => {
  const report = await doctor(
    ['ffmpeg:', `  ffprobe_path: ${join(dir, 'no-such-ffprobe')}`, 'cameras:', '  - id: front', `    source: file://${clips.sub}`, '  - id: gen', '    source: testsrc://?size=320x240', ''].join('\n'),
  );
  const front = inputLine(report, 'front input 0 [stream, detect]');
  assert.equal(front.status, 'fail');
  assert.match(front.detail, /no-such-ffprobe: ENOENT \(install ffmpeg, or set ffmpeg\.ffprobe_path\)$/);
  assert.match(front.hint ?? '', /ffprobe comes with ffmpeg/);
  assert.equal(inputLine(report, 'gen input 0 [stream, detect]').detail, 'gen input 0 [stream, detect]: generated test pattern 320×240, 10 fps, encoded by the gateway (GOP 1 s)');
});
