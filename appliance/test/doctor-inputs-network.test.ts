// `lookout doctor`'s per-input lines for network inputs, with real ffprobe: a sub-stream served over
// RTSP by the stand-in (UDP only, so the input's own rtsp_transport must reach ffprobe), MJPEG over
// HTTP from a real ffmpeg server, a closed loopback port, a loopback listener that never answers
// (the deadline ends the probe and its ffprobe), and the bound on probes running at once.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SupervisedChild } from '../../common/child/supervised-child.ts';
import { formatReport } from '../doctor.ts';
import { freePort } from '../../test/support/free-port.ts';
import { startRtspStandIn, type RtspStandIn } from '../../test/support/rtsp-stand-in.ts';
import { doctorOn, inputLine, renderClip } from './doctor-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'lookout-doctor-net-'));
/** 640×360, 10 fps, a keyframe every 10 frames (1 s), no B-frames. */
const subClip = join(dir, 'sub.mp4');

before(() => renderClip(subClip, '640x360', 20, 10, 0));
after(() => rmSync(dir, { recursive: true, force: true }));

const doctor = (yaml: string, options: { timeoutMs?: number; probeWindowSec?: number } = {}) => doctorOn(dir, yaml, options);

void test('RTSP: the sub-stream is probed over the input\'s own transport (udp), credentials never shown', async (t) => {
  const server: RtspStandIn = await startRtspStandIn();
  t.after(() => server.close());
  const publisher = SupervisedChild.spawn({
    name: 'test-publisher',
    command: 'ffmpeg',
    args: ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', subClip, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'udp', server.publishUrl('sub')],
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
