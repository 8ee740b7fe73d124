// `lookout doctor`'s per-input lines with real ffprobe: generated clips with known size, fps, GOP
// and B-frames, a sub-stream served over RTSP by the stand-in (UDP only, so the input's own
// rtsp_transport must reach ffprobe), a closed loopback port and a loopback listener that never
// answers (the deadline ends the probe and its ffprobe). No URL password may reach the report.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { SupervisedChild } from '../../common/child/supervised-child.ts';
import { formatReport, runDoctor, type DoctorReport } from '../doctor.ts';
import { freePort } from '../../test/support/free-port.ts';
import { startRtspStandIn, type RtspStandIn } from '../../test/support/rtsp-stand-in.ts';

const PASSWORD = 'doctor-Secret-pw42';
const ENV = { PATH: '/usr/bin:/bin', CAM_PASSWORD: PASSWORD };
const dir = mkdtempSync(join(tmpdir(), 'lookout-doctor-inputs-'));
const clips = {
  /** 1920×1080, 10 fps, a keyframe every 50 frames (5 s), two B-frames. */
  main: join(dir, 'main.mp4'),
  /** 640×360, 10 fps, a keyframe every 10 frames (1 s), no B-frames. */
  sub: join(dir, 'sub.mp4'),
  /** 1600×900 (wider than 1280), 10 fps, GOP 20, no B-frames. */
  wide: join(dir, 'wide.mp4'),
};

async function render(path: string, size: string, seconds: number, gop: number, bframes: number): Promise<void> {
  await execa(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=10`, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
      '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', String(bframes), ...(bframes > 0 ? ['-x264-params', 'b-adapt=0'] : []), path],
    { timeout: 120_000, stdin: 'ignore' },
  );
}

before(async () => {
  await Promise.all([render(clips.main, '1920x1080', 12, 50, 2), render(clips.sub, '640x360', 20, 10, 0), render(clips.wide, '1600x900', 5, 20, 0)]);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function inputLine(report: DoctorReport, label: string) {
  const found = report.checks.find((check) => check.name === 'input' && check.detail.startsWith(`${label}: `));
  assert.ok(found, `no input line for ${label}: ${formatReport(report)}`);
  return found;
}

async function doctor(yaml: string, options: { timeoutMs?: number; probeWindowSec?: number } = {}): Promise<DoctorReport> {
  const config = join(dir, `lookout-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(config, `detector:\n  http:\n    port: 0\nhttp:\n  port: 0\nmediamtx:\n  enabled: false\n${yaml}`);
  const report = await runDoctor({ configPath: config, configExplicit: true, env: ENV, devDri: join(dir, 'no-dri'), probeWindowSec: 6, ...options });
  assert.equal(report.checks[0]?.status, 'ok', report.checks[0]?.detail);
  assert.ok(!formatReport(report).includes(PASSWORD), formatReport(report));
  return report;
}

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

void test('RTSP: the sub-stream is probed over the input\'s own transport (udp), credentials never shown', async (t) => {
  const server: RtspStandIn = await startRtspStandIn();
  t.after(() => server.close());
  const publisher = SupervisedChild.spawn({
    name: 'test-publisher',
    command: 'ffmpeg',
    args: ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clips.sub, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'udp', server.publishUrl('sub')],
  });
  t.after(() => publisher.stop());
  const until = Date.now() + 20_000;
  while (!server.mounts().some((mount) => mount.includes('sub')) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(server.mounts().some((mount) => mount.includes('sub')), 'the publisher reached the stand-in');
  const url = server.readUrl('sub').replace('rtsp://', 'rtsp://viewer:${CAM_PASSWORD}@');
  const report = await doctor(
    [
      'cameras:',
      '  - id: yard',
      '    inputs:',
      '      - source: testsrc://',
      '        roles: [stream]',
      `      - source: ${url}`,
      '        roles: [detect]',
      '        rtsp_transport: udp',
      // The same URL over the camera's default transport (tcp): the stand-in refuses it.
      '  - id: yard_tcp',
      `    source: ${url}`,
      '',
    ].join('\n'),
    { probeWindowSec: 4, timeoutMs: 15_000 },
  );
  const sub = inputLine(report, 'yard input 1 [detect]');
  assert.equal(sub.status, 'ok', `${sub.detail}\n${sub.hint ?? ''}`);
  assert.match(sub.detail, /: h264 Constrained Baseline, 640×360, 1\d(\.\d)? fps, GOP 10 frames \(1\.0 s\), no B-frames\ndetection is off for this camera \(no detect section, or enabled: false\): nothing reads this input$/);
  assert.equal(inputLine(report, 'yard input 0 [stream]').status, 'ok');
  const tcp = inputLine(report, 'yard_tcp input 0 [stream, detect]');
  assert.equal(tcp.status, 'fail', tcp.detail);
  assert.match(tcp.detail, /: the input: Protocol not supported$/);
});

/** True when a socket listens on 127.0.0.1:port (read from /proc: connecting would use up `ffmpeg -listen 1`'s one client). */
function listening(port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1] === local && fields[3] === '0A';
    });
}

/** ffprobe processes whose command line mentions `needle`. */
function ffprobesWith(needle: string): number[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      return cmdline[0]?.endsWith('ffprobe') && cmdline.some((arg) => arg.includes(needle)) ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

void test('unreachable: a closed loopback port fails at once; a listener that never answers fails at the deadline and leaves no ffprobe', async (t) => {
  const silent = createServer();
  const sockets = new Set<Socket>();
  silent.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const silentPort = (silent.address() as AddressInfo).port;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));

  const started = Date.now();
  const report = await doctor(
    [
      'cameras:',
      '  - id: gone',
      '    inputs:',
      `      - source: rtsp://admin:\${CAM_PASSWORD}@127.0.0.1:${closedPort}/main`,
      '        roles: [stream, detect]',
      '  - id: mute',
      '    inputs:',
      `      - source: rtsp://admin:\${CAM_PASSWORD}@127.0.0.1:${silentPort}/main`,
      '        roles: [stream, detect]',
      '',
    ].join('\n'),
    { probeWindowSec: 1, timeoutMs: 1000 },
  );
  const elapsed = Date.now() - started;
  // Deadline 2 s (window + timeout), then a bounded stop: well under 10 s even on a loaded machine.
  assert.ok(elapsed < 10_000, `doctor took ${elapsed} ms`);

  const gone = inputLine(report, 'gone input 0 [stream, detect]');
  assert.equal(gone.status, 'fail');
  assert.match(gone.detail, /Connection refused/);
  assert.match(gone.hint ?? '', /address, path and credentials/);
  assert.doesNotMatch(gone.detail, /rtsp:\/\//, 'the URL is not shown');

  const mute = inputLine(report, 'mute input 0 [stream, detect]');
  assert.equal(mute.status, 'fail');
  assert.equal(mute.detail, 'mute input 0 [stream, detect]: no answer within 2000 ms');
  assert.match(mute.hint ?? '', /did not answer.*rtsp_transport is tcp/);
  assert.ok(sockets.size >= 1, 'ffprobe did connect to the silent listener');
  assert.deepEqual(ffprobesWith(`:${silentPort}/`), [], 'the timed-out ffprobe was stopped');
});

void test('a window shorter than the GOP: the interval is bounded below and still flagged past 4 s', async () => {
  const report = await doctor(['cameras:', '  - id: front', `    source: file://${clips.main}`, '    detect: { enabled: false }', ''].join('\n'), { probeWindowSec: 4.5 });
  const main = inputLine(report, 'front input 0 [stream, detect]');
  assert.equal(main.status, 'warn');
  // Keyframes 5 s apart, 4.5 s of packets read: one keyframe seen, the gap is at least ~4.2-4.5 s.
  assert.match(main.detail, /, GOP longer than 4\.[2-5] s \(fewer than two keyframes seen\), B-frames\nno new keyframe for 4\.[2-5] s \(more than 4 s\)$/);
});

void test('many inputs are probed at most PROBE_CONCURRENCY at a time: 8 inputs that never answer take two deadline rounds', async (t) => {
  const silent = createServer();
  const sockets = new Set<Socket>();
  let open = 0;
  let mostOpen = 0;
  silent.on('connection', (socket) => {
    sockets.add(socket);
    mostOpen = Math.max(mostOpen, ++open);
    socket.once('close', () => open--);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const port = (silent.address() as AddressInfo).port;
  const cameras = ['a', 'b', 'c', 'd'].flatMap((id) => [
    `  - id: ${id}`,
    '    inputs:',
    `      - source: rtsp://127.0.0.1:${port}/${id}-main`,
    '        roles: [stream]',
    `      - source: rtsp://127.0.0.1:${port}/${id}-sub`,
    '        roles: [detect]',
  ]);
  const started = Date.now();
  const report = await doctor(['cameras:', ...cameras, ''].join('\n'), { probeWindowSec: 1, timeoutMs: 1000 });
  const elapsed = Date.now() - started;
  const lines = report.checks.filter((check) => check.name === 'input');
  assert.equal(lines.length, 8);
  assert.ok(lines.every((line) => line.status === 'fail' && line.detail.endsWith('no answer within 2000 ms')), formatReport(report));
  assert.deepEqual(lines.map((line) => line.detail.split(':')[0]), ['a', 'b', 'c', 'd'].flatMap((id) => [`${id} input 0 [stream]`, `${id} input 1 [detect]`]), 'lines keep the config order');
  // 6 at once, then the other 2: at least two 2 s deadlines one after the other.
  assert.ok(elapsed >= 4000, `all 8 probes ran at once (${elapsed} ms)`);
  assert.ok(mostOpen >= 2, `at most ${mostOpen} connections were open at once`);
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

void test('MJPEG over HTTP: timed by arrival (no timestamps of its own), every frame a keyframe', async (t) => {
  const port = await freePort();
  const server = SupervisedChild.spawn({
    name: 'test-mjpeg-server',
    command: 'ffmpeg',
    args: ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=10', '-c:v', 'mjpeg', '-f', 'mpjpeg', '-listen', '1', `http://127.0.0.1:${port}/video.mjpg`],
  });
  t.after(() => server.stop({ graceful: false }));
  // ffmpeg -listen serves one client; wait until it accepts connections.
  const until = Date.now() + 20_000;
  while (Date.now() < until && !listening(port)) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(listening(port), 'the MJPEG server listens');
  const report = await doctor(['cameras:', '  - id: porch', `    source: http://127.0.0.1:${port}/video.mjpg`, '    video: h264', ''].join('\n'), { probeWindowSec: 3, timeoutMs: 15_000 });
  const porch = inputLine(report, 'porch input 0 [stream, detect]');
  assert.equal(porch.status, 'ok', `${porch.detail}\n${porch.hint ?? ''}`);
  // 10 fps from arrival times (not the 25 fps ffmpeg assumes for MJPEG); a loaded machine may drift a little.
  const fps = Number(/, ([\d.]+) fps, /.exec(porch.detail)?.[1]);
  assert.ok(fps >= 5 && fps <= 15, porch.detail);
  assert.match(porch.detail, /: mjpeg\b.*, 640×360, [\d.]+ fps, GOP 1 frame \(0\.\d s\), no B-frames$/);
});
