import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCameraSource, SourceError } from '../../common/config/camera-source.ts';
import { parseConfig } from '../../common/config/load.ts';
import { createLauncher, publishUrl } from '../pipeline/launcher.ts';
import { buildPublishArgs, INPUT_PROTOCOLS, OUTPUT_PROTOCOLS, type PublishCamera } from '../ffmpeg/publish-args.ts';

const FFMPEG5 = { major: 5, version: '5.1.9-0+deb12u1', libavformatMajor: 59 };
const FFMPEG4 = { major: 4, version: '4.3.6', libavformatMajor: 58 };
const FFMPEG44 = { major: 4, version: '4.4.2-0ubuntu0.22.04.1', libavformatMajor: 58 };
const TARGET = { url: 'rtsp://pub:s3cretpw@127.0.0.1:8554/cam1', transport: 'tcp' as const };

function camera(source: string, extra: Partial<PublishCamera> = {}): PublishCamera {
  return { id: 'cam1', source, video: 'copy', audio: 'drop', rtsp_transport: 'tcp', timeouts: { io: 7000, stall: 10_000, start: 15_000 }, ...extra };
}

/** The value following `flag`, asserting the flag is present exactly once. */
function valueOf(args: string[], flag: string): string | undefined {
  const positions = args.flatMap((arg, index) => (arg === flag ? [index] : []));
  assert.ok(positions.length <= 1, `${flag} appears ${positions.length} times`);
  return positions.length === 1 ? args[(positions[0] as number) + 1] : undefined;
}

/** Options placed before `-i` (input options). */
function inputPart(args: string[]): string[] {
  return args.slice(0, args.indexOf('-i'));
}

void test('every pipeline: banner hidden, progress on fd 3, no -nostdin (q must reach stdin), output last', () => {
  for (const source of ['rtsp://cam/x', 'http://cam/mjpg', 'rtmp://cam/live', 'v4l2:///dev/video0', 'file:///tmp/a.mp4', 'testsrc://']) {
    const args = buildPublishArgs(camera(source), FFMPEG5, TARGET);
    assert.equal(args[0], '-hide_banner');
    assert.equal(valueOf(args, '-progress'), 'pipe:3');
    assert.equal(valueOf(args, '-stats_period'), '0.5');
    assert.ok(args.includes('-nostats'));
    assert.ok(!args.includes('-nostdin'), source);
    assert.deepEqual(args.slice(-7), ['-f', 'rtsp', '-rtsp_transport', 'tcp', '-protocol_whitelist', OUTPUT_PROTOCOLS, TARGET.url]);
    assert.equal(valueOf(args, '-loglevel'), 'warning');
  }
});

void test('rtsp input on ffmpeg 5: -timeout in microseconds, never -stimeout; transport and whitelist', () => {
  const args = buildPublishArgs(camera('rtsp://admin:pw@10.0.0.5:554/stream1', { rtsp_transport: 'udp' }), FFMPEG5, TARGET);
  const input = inputPart(args);
  assert.equal(valueOf(input, '-timeout'), '7000000');
  assert.ok(!args.includes('-stimeout'));
  assert.equal(valueOf(input, '-rtsp_transport'), 'udp');
  assert.equal(valueOf(input, '-protocol_whitelist'), 'rtsp,rtsps,rtp,srtp,udp,tcp,tls');
  assert.ok(!/file|http|crypto|concat|subfile/.test(INPUT_PROTOCOLS.rtsp ?? ''));
  assert.equal(valueOf(args, '-i'), 'rtsp://admin:pw@10.0.0.5:554/stream1');
  assert.equal(valueOf(input, '-analyzeduration'), '1000000');
  assert.equal(valueOf(input, '-probesize'), '1000000');
  assert.equal(valueOf(args, '-c:v'), 'copy');
  assert.ok(args.includes('-an'));
});

void test('rtsp input on ffmpeg 4.x: -stimeout (on 4.x -timeout would make the client listen)', () => {
  const args = buildPublishArgs(camera('rtsps://cam:322/x'), FFMPEG4, TARGET);
  assert.equal(valueOf(inputPart(args), '-stimeout'), '7000000');
  assert.ok(!args.includes('-timeout'));
  // -stats_period arrived in 4.4.
  assert.ok(!args.includes('-stats_period'));
  assert.equal(valueOf(buildPublishArgs(camera('rtsp://cam/x'), FFMPEG44, TARGET), '-stats_period'), '0.5');
});

void test('http(s) and MJPEG input: -rw_timeout, reconnect options, http-only whitelist, no -timeout', () => {
  for (const info of [FFMPEG4, FFMPEG5]) {
    const args = buildPublishArgs(camera('http://cam.local/video.mjpg', { video: 'h264' }), info, TARGET);
    const input = inputPart(args);
    assert.equal(valueOf(input, '-rw_timeout'), '7000000');
    assert.equal(valueOf(input, '-reconnect'), '1');
    assert.equal(valueOf(input, '-reconnect_streamed'), '1');
    assert.equal(valueOf(input, '-protocol_whitelist'), 'http,https,tcp,tls');
    assert.ok(!input.includes('-timeout') && !input.includes('-stimeout'));
    assert.equal(valueOf(args, '-c:v'), 'libx264');
  }
});

void test('rtmp input: -rw_timeout, not -timeout (which means listen for rtmp)', () => {
  const args = buildPublishArgs(camera('rtmp://cam.local/live/key'), FFMPEG5, TARGET);
  const input = inputPart(args);
  assert.equal(valueOf(input, '-rw_timeout'), '7000000');
  assert.ok(!input.includes('-timeout') && !input.includes('-listen'));
  assert.equal(valueOf(input, '-protocol_whitelist'), 'rtmp,rtmps,rtmpt,rtmpts,tcp,tls');
});

void test('v4l2 input: -f v4l2 and the device path, both spellings', () => {
  for (const source of ['v4l2:///dev/video2', '/dev/video2']) {
    const args = buildPublishArgs(camera(source, { video: 'h264' }), FFMPEG5, TARGET);
    assert.equal(valueOf(inputPart(args), '-f'), 'v4l2');
    assert.equal(valueOf(args, '-i'), '/dev/video2');
    assert.ok(args.includes('-an'));
  }
});

void test('file input is looped in real time with only the file protocol allowed', () => {
  const args = buildPublishArgs(camera('file:///srv/clips/demo%20clip.mp4'), FFMPEG5, TARGET);
  const input = inputPart(args);
  assert.ok(input.includes('-re'));
  assert.equal(valueOf(input, '-stream_loop'), '-1');
  assert.equal(valueOf(input, '-protocol_whitelist'), 'file');
  assert.equal(valueOf(input, '-fflags'), '+genpts');
  assert.equal(valueOf(args, '-i'), '/srv/clips/demo clip.mp4');
});

void test('testsrc: lavfi testsrc2 with moving boxes, always encoded with a 1 s GOP, never copied', () => {
  const args = buildPublishArgs(camera('testsrc://?size=320x240&rate=8&objects=3', { video: 'copy' }), FFMPEG5, TARGET);
  const input = inputPart(args);
  assert.ok(input.includes('-re'));
  assert.equal(valueOf(input, '-f'), 'lavfi');
  const graph = valueOf(args, '-i') ?? '';
  assert.match(graph, /^testsrc2=size=320x240:rate=8\[bg0\];/);
  assert.equal((graph.match(/overlay=/g) ?? []).length, 3);
  assert.match(graph, /\[out0\]$/);
  assert.ok(!/movie|amovie|file/.test(graph));
  assert.equal(valueOf(args, '-c:v'), 'libx264');
  assert.equal(valueOf(args, '-preset'), 'ultrafast');
  assert.equal(valueOf(args, '-tune'), 'zerolatency');
  assert.equal(valueOf(args, '-g'), '8');
  assert.ok(args.includes('-an'));
  const plain = buildPublishArgs(camera('testsrc://?objects=0'), FFMPEG5, TARGET);
  assert.equal(valueOf(plain, '-i'), 'testsrc2=size=640x360:rate=10');
});

void test('h264 transcode: scale, fps, gop, bitrate and preset from config', () => {
  const args = buildPublishArgs(
    camera('rtsp://cam/x', { video: 'h264', transcode: { width: 640, fps: 5, preset: 'superfast', bitrate_kbps: 800, gop: 10 } }),
    FFMPEG5,
    TARGET,
  );
  assert.equal(valueOf(args, '-vf'), 'scale=640:-2,fps=5');
  assert.equal(valueOf(args, '-preset'), 'superfast');
  assert.equal(valueOf(args, '-g'), '10');
  assert.equal(valueOf(args, '-b:v'), '800k');
  assert.equal(valueOf(args, '-maxrate'), '800k');
  const noFps = buildPublishArgs(camera('rtsp://cam/x', { video: 'h264' }), FFMPEG5, TARGET);
  assert.equal(valueOf(noFps, '-force_key_frames'), 'expr:gte(t,n_forced*1)');
  assert.equal(valueOf(noFps, '-vf'), undefined);
});

void test('audio: drop → -an, copy → -c:a copy, aac → -c:a aac; optional audio map', () => {
  assert.ok(buildPublishArgs(camera('rtsp://cam/x', { audio: 'drop' }), FFMPEG5, TARGET).includes('-an'));
  const copy = buildPublishArgs(camera('rtsp://cam/x', { audio: 'copy' }), FFMPEG5, TARGET);
  assert.equal(valueOf(copy, '-c:a'), 'copy');
  assert.ok(copy.includes('0:a:0?') && !copy.includes('-an'));
  assert.equal(valueOf(buildPublishArgs(camera('rtsp://cam/x', { audio: 'aac' }), FFMPEG5, TARGET), '-c:a'), 'aac');
});

void test('output transport and custom loglevel/progress fd are honoured', () => {
  const args = buildPublishArgs(camera('testsrc://'), FFMPEG5, { url: 'rtsp://127.0.0.1:5554/cam1', transport: 'udp' }, { loglevel: 'error', progressFd: 4 });
  assert.equal(args.at(-4), 'udp');
  assert.equal(valueOf(args, '-loglevel'), 'error');
  assert.equal(valueOf(args, '-progress'), 'pipe:4');
});

void test('source parsing: testsrc parameters are range-checked; unknown schemes refused without echoing the URL', () => {
  assert.deepEqual(parseCameraSource('testsrc://?size=321x241'), { kind: 'testsrc', width: 320, height: 240, rate: 10, objects: 2 });
  assert.throws(() => parseCameraSource('testsrc://?size=8x8'), /testsrc width must be between 16 and 3840 \(got 8\)/);
  assert.throws(() => parseCameraSource('testsrc://?rate=0'), /testsrc rate must be between 1 and 60/);
  assert.throws(() => parseCameraSource('testsrc://?movie=/etc/passwd'), /testsrc has no parameter "movie"/);
  assert.throws(
    () => parseCameraSource('gopher://u:secretpw@host/'),
    (error: unknown) => error instanceof SourceError && !String((error as Error).message).includes('secretpw'),
  );
});

const MAIN = 'rtsp://viewer:mainpw@10.0.0.5:554/stream1';
const SUB = 'rtsp://viewer:subpw@10.0.0.5:554/stream2';

/** Every argv element that mentions the sub-stream (its path or its password). */
function mentionsSub(args: string[]): string[] {
  return args.filter((arg) => arg.includes('stream2') || arg.includes('subpw'));
}

void test('inputs: the stream input is published with its own transport; the detect input never enters the argv', () => {
  const cam = camera(MAIN, {
    rtsp_transport: 'tcp',
    // The detect input comes first on purpose: the role decides, not the position.
    inputs: [
      { source: SUB, roles: ['detect'], rtsp_transport: 'tcp' },
      { source: MAIN, roles: ['stream'], rtsp_transport: 'udp' },
    ],
  });
  const args = buildPublishArgs(cam, FFMPEG5, TARGET);
  assert.equal(valueOf(args, '-i'), MAIN);
  assert.equal(valueOf(inputPart(args), '-rtsp_transport'), 'udp', "the stream input's own transport wins over the camera's");
  assert.deepEqual(mentionsSub(args), []);
  assert.equal(args.filter((arg) => arg === '-i').length, 1, 'exactly one input is read');
});

void test("inputs: a stream input without rtsp_transport takes the camera's", () => {
  const cam = camera(MAIN, {
    rtsp_transport: 'udp',
    inputs: [
      { source: MAIN, roles: ['stream'] },
      { source: SUB, roles: ['detect'], rtsp_transport: 'tcp' },
    ],
  });
  const args = buildPublishArgs(cam, FFMPEG5, TARGET);
  assert.equal(valueOf(inputPart(args), '-rtsp_transport'), 'udp');
  assert.equal(valueOf(args, '-i'), MAIN);
  assert.deepEqual(mentionsSub(args), []);
});

void test('inputs through the real config loader: long form and shorthand publish the same argv for the main stream', () => {
  const config = parseConfig(
    {
      cameras: [
        { id: 'long', rtsp_transport: 'udp', inputs: [{ source: SUB, roles: ['detect'] }, { source: MAIN, roles: ['stream'], rtsp_transport: 'tcp' }] },
        { id: 'short', source: MAIN, rtsp_transport: 'tcp' },
      ],
    },
    { env: {} },
  );
  const [long, short] = config.cameras;
  assert.ok(long && short);
  const longArgs = buildPublishArgs(long, FFMPEG5, TARGET);
  const shortArgs = buildPublishArgs(short, FFMPEG5, TARGET);
  assert.deepEqual(longArgs, shortArgs);
  assert.equal(valueOf(inputPart(longArgs), '-rtsp_transport'), 'tcp');
  assert.deepEqual(mentionsSub(longArgs), []);
  // The detect-only input's transport is the camera's (udp); publishing ignores it either way.
  const udpStream = parseConfig({ cameras: [{ id: 'u', rtsp_transport: 'udp', inputs: [{ source: MAIN, roles: ['stream'] }, { source: SUB, roles: ['detect'], rtsp_transport: 'tcp' }] }] }, { env: {} });
  assert.equal(valueOf(inputPart(buildPublishArgs(udpStream.cameras[0] as PublishCamera, FFMPEG5, TARGET)), '-rtsp_transport'), 'udp');
});

void test('inputs: a non-RTSP stream input (file) with an RTSP detect input publishes the file only', () => {
  const cam = camera('file:///srv/clips/main.mp4', {
    inputs: [
      { source: 'file:///srv/clips/main.mp4', roles: ['stream'] },
      { source: SUB, roles: ['detect'] },
    ],
  });
  const args = buildPublishArgs(cam, FFMPEG5, TARGET);
  assert.equal(valueOf(args, '-i'), '/srv/clips/main.mp4');
  assert.equal(valueOf(inputPart(args), '-rtsp_transport'), undefined);
  assert.deepEqual(mentionsSub(args), []);
});

void test('launcher: ffmpeg path, q to quit, progress fd 3, publish secret in the URL and marked as secret', async () => {
  const info = { path: '/opt/ffmpeg/bin/ffmpeg', hwaccels: [], ...FFMPEG5 };
  const cam = { ...camera('testsrc://'), name: undefined, enabled: true, mode: 'always' as const, transcode: undefined, detect: undefined };
  const launch = createLauncher({
    cameras: [cam],
    ffmpeg: info,
    publishUrlBase: 'rtsp://127.0.0.1:8554/',
    publishTransport: 'tcp',
    credentials: { issue: (id) => ({ user: `pub-${id}`, password: 'p@ss/w0rd' }) },
  });
  const spec = await launch('cam1');
  assert.equal(spec.command, '/opt/ffmpeg/bin/ffmpeg');
  assert.equal(spec.quitInput, 'q');
  assert.equal(spec.progressFd, 3);
  assert.equal(spec.secret, 'p@ss/w0rd');
  assert.equal(spec.args.at(-1), 'rtsp://pub-cam1:p%40ss%2Fw0rd@127.0.0.1:8554/cam1');
  assert.throws(() => launch('nope'), /unknown camera "nope"/);
  const plain = await createLauncher({ cameras: [cam], ffmpeg: info, publishUrlBase: 'rtsp://127.0.0.1:5554', publishTransport: 'udp' })('cam1');
  assert.equal(plain.secret, undefined);
  assert.equal(plain.args.at(-1), 'rtsp://127.0.0.1:5554/cam1');
  assert.equal(publishUrl('rtsp://h:1/base', 'x'), 'rtsp://h:1/base/x');
});
