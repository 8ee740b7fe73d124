import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDecoderArgs, buildFilterChain, chooseStrategy, decoderInputFrom, DecoderInputError } from '../decode/decoder-args.ts';
import { letterboxFor, parseShowinfoLine } from '../decode/frame-parser.ts';
import { keyframeIntervalFromPackets } from '../decode/stream-probe.ts';

void test('all-frames strategy: fps filter, no skip_frame, raw rgb24 on stdout', () => {
  const args = buildDecoderArgs({ input: { kind: 'rtsp', url: 'rtsp://u:p@127.0.0.1:8554/cam', transport: 'tcp' }, strategy: 'all', fps: 5, width: 640, height: 640, hwaccel: 'none' });
  assert.ok(!args.includes('-skip_frame'));
  assert.equal(args[args.indexOf('-vf') + 1], 'fps=5,showinfo=checksum=0,scale=640:640:force_original_aspect_ratio=decrease:flags=bilinear,format=rgb24,pad=640:640:(ow-iw)/2:(oh-ih)/2:color=0x727272');
  assert.deepEqual(args.slice(-5), ['-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1']);
  const i = args.indexOf('-i');
  assert.deepEqual(args.slice(i - 6, i + 2), ['-protocol_whitelist', 'rtsp,rtsps,rtp,srtp,udp,tcp,tls,crypto', '-rtsp_transport', 'tcp', '-timeout', '10000000', '-i', 'rtsp://u:p@127.0.0.1:8554/cam']);
});

void test('keyframes strategy: skip_frame nokey before -i, passthrough timing, select caps the rate without duplicating', () => {
  const args = buildDecoderArgs({ input: { kind: 'file', path: '/clips/a.mp4', loop: true, realtime: true }, strategy: 'keyframes', fps: 2, width: 320, height: 256, hwaccel: 'none' });
  assert.ok(args.indexOf('-skip_frame') < args.indexOf('-i'));
  assert.equal(args[args.indexOf('-skip_frame') + 1], 'nokey');
  assert.equal(args[args.indexOf('-fps_mode') + 1], 'passthrough');
  const vf = args[args.indexOf('-vf') + 1] ?? '';
  assert.match(vf, /^select='isnan\(prev_selected_t\)\+gte\(t-prev_selected_t\\,0\.4500\)',showinfo/);
  assert.ok(!vf.includes('fps='));
  const i = args.indexOf('-i');
  assert.deepEqual(args.slice(i - 5, i + 2), ['-protocol_whitelist', 'file', '-re', '-stream_loop', '-1', '-i', 'file:/clips/a.mp4']);
  // Without an fps every keyframe is kept.
  assert.equal(buildFilterChain({ strategy: 'keyframes', width: 64, height: 64, hwaccel: 'none' }).split(',')[0], 'showinfo=checksum=0');
});

void test('inputs are classified and unknown schemes refused without echoing the URL', () => {
  assert.deepEqual(decoderInputFrom('rtsp://a:b@h/x', { transport: 'udp' }), { kind: 'rtsp', url: 'rtsp://a:b@h/x', transport: 'udp' });
  assert.deepEqual(decoderInputFrom('file:///tmp/a%20b.mp4'), { kind: 'file', path: '/tmp/a b.mp4', loop: false, realtime: false });
  assert.deepEqual(decoderInputFrom('clip.mp4', { loop: true }), { kind: 'file', path: 'clip.mp4', loop: true, realtime: false });
  assert.deepEqual(decoderInputFrom('/dev/video0'), { kind: 'v4l2', device: '/dev/video0' });
  assert.equal(decoderInputFrom('https://cam/x.m3u8').kind, 'http');
  assert.throws(() => decoderInputFrom('gopher://secret:pw@h/'), (error: unknown) => error instanceof DecoderInputError && !error.message.includes('pw'));
  const http = buildDecoderArgs({ input: { kind: 'http', url: 'http://h/x' }, strategy: 'all', fps: 1, width: 64, height: 64, hwaccel: 'none', ioTimeoutMs: 2000 });
  assert.deepEqual(http.slice(http.indexOf('-i') - 4, http.indexOf('-i')), ['-protocol_whitelist', 'http,https,tcp,tls,crypto', '-rw_timeout', '2000000']);
});

void test('strategy: keyframes only when they come at least as often as the asked fps', () => {
  assert.equal(chooseStrategy('auto', 1, 1), 'keyframes');
  assert.equal(chooseStrategy('auto', 1, 0.5), 'keyframes');
  assert.equal(chooseStrategy('auto', 5, 1), 'all');
  assert.equal(chooseStrategy('auto', 5, undefined), 'all');
  assert.equal(chooseStrategy('auto', undefined, 0.2), 'all');
  assert.equal(chooseStrategy('keyframes', 30, 10), 'keyframes');
  assert.equal(chooseStrategy('all', 0.5, 0.1), 'all');
});

void test('letterbox matches ffmpeg force_original_aspect_ratio=decrease + centred pad', () => {
  assert.deepEqual(letterboxFor(1280, 720, 640, 640), { srcWidth: 1280, srcHeight: 720, scale: 0.5, padX: 0, padY: 140 });
  assert.deepEqual(letterboxFor(720, 1280, 640, 640), { srcWidth: 720, srcHeight: 1280, scale: 0.5, padX: 140, padY: 0 });
  assert.deepEqual(letterboxFor(640, 480, 160, 160), { srcWidth: 640, srcHeight: 480, scale: 0.25, padX: 0, padY: 20 });
  const odd = letterboxFor(1000, 333, 160, 160);
  assert.equal(odd.padY, Math.floor((160 - Math.round((160 * 333) / 1000)) / 2));
});

void test('showinfo lines give n, pts_time and source size; other lines are ignored', () => {
  const line = '[Parsed_showinfo_1 @ 0x55b989a3fb00] n:  12 pts:  25600 pts_time:2.4     duration:512 pos:     6684 fmt:yuv420p sar:1/1 s:1280x720 i:P iskey:1 type:I';
  assert.deepEqual(parseShowinfoLine(line), { n: 12, ptsTime: 2.4, width: 1280, height: 720 });
  assert.equal(parseShowinfoLine('[Parsed_showinfo_1 @ 0x1] color_range:unknown color_space:unknown'), undefined);
  assert.equal(parseShowinfoLine('frame=    3 fps=0.0 q=-0.0 size=N/A'), undefined);
});

void test('keyframe interval from ffprobe packets is the median gap between K packets', () => {
  const csv = ['0.000000,K_', '0.040000,__', '1.000000,K_', '1.040000,__', '2.000000,K_', '4.000000,K_', ''].join('\n');
  assert.equal(keyframeIntervalFromPackets(csv), 1);
  assert.equal(keyframeIntervalFromPackets('0.0,K_\n0.04,__\n'), undefined);
});
