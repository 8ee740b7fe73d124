import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { buildDecoderArgs, buildFilterChain, chooseStrategy, decoderInputFrom, DecoderInputError, KEYFRAME_INTERVAL_TOLERANCE_SEC } from '../decode/decoder-args.ts';
import { buildKeyframeDemuxStages, keyframeDropExpression, keyframePipelineCommand, shellQuote } from '../decode/keyframe-pipeline.ts';
import { letterboxFor, parseShowinfoLine } from '../decode/frame-parser.ts';
import { keyframeIntervalFromPackets } from '../decode/stream-probe.ts';
import { tempDir } from './clips.ts';

void test('all-frames strategy: fps filter, no skip_frame, raw rgb24 on stdout', () => {
  const args = buildDecoderArgs({ input: { kind: 'rtsp', url: 'rtsp://u:p@127.0.0.1:8554/cam', transport: 'tcp' }, strategy: 'all', fps: 5, width: 640, height: 640, hwaccel: 'none' });
  assert.ok(!args.includes('-skip_frame'));
  assert.equal(args[args.indexOf('-vf') + 1], 'fps=5,showinfo=checksum=0,scale=640:640:force_original_aspect_ratio=decrease:flags=bilinear,format=rgb24,pad=640:640:(ow-iw)/2:(oh-ih)/2:color=0x727272');
  // One encoder thread: rawvideo's frame threads would hold every frame until the next one.
  assert.deepEqual(args.slice(-7), ['-pix_fmt', 'rgb24', '-threads', '1', '-f', 'rawvideo', 'pipe:1']);
  const i = args.indexOf('-i');
  assert.deepEqual(args.slice(i - 6, i + 2), ['-protocol_whitelist', 'rtsp,rtsps,rtp,srtp,udp,tcp,tls,crypto', '-rtsp_transport', 'tcp', '-timeout', '10000000', '-i', 'rtsp://u:p@127.0.0.1:8554/cam']);
});

void test('keyframes strategy: a demux stage keeps keyframes (and their followers) as NUT, the decode stage reads it and keeps key frames', () => {
  const options = { input: { kind: 'file', path: '/clips/a.mp4', loop: true, realtime: true }, strategy: 'keyframes', fps: 2, width: 320, height: 256, hwaccel: 'none' } as const;
  const rtsp = buildKeyframeDemuxStages({ kind: 'rtsp', url: 'rtsp://h/x', transport: 'tcp' }, { ioTimeoutMs: 3000 });
  assert.equal(rtsp.length, 1);
  const demux = rtsp[0] ?? [];
  assert.deepEqual(demux.slice(demux.indexOf('-i') - 4, demux.indexOf('-i') + 2), ['-rtsp_transport', 'tcp', '-timeout', '3000000', '-i', 'rtsp://h/x']);
  assert.deepEqual(demux.slice(demux.indexOf('-fpsprobesize'), demux.indexOf('-fpsprobesize') + 2), ['-fpsprobesize', '0'], 'no frame-rate probe: it held the first keyframe back ~1 s');
  assert.equal(demux[demux.indexOf('-c:v') + 1], 'copy');
  assert.equal(demux[demux.indexOf('-bsf:v') + 1], `noise=drop='${keyframeDropExpression()}'`);
  assert.equal(demux[demux.indexOf('-avoid_negative_ts') + 1], 'disabled');
  assert.deepEqual(demux.slice(-3), ['-f', 'nut', 'pipe:1']);
  // A looped file: the loop is copied through a stage of its own (ffmpeg 5.1 flushes a copy's bsf at each loop turn).
  const [loop, keep, ...rest] = buildKeyframeDemuxStages(options.input);
  assert.equal(rest.length, 0);
  const i = loop?.indexOf('-i') ?? -1;
  assert.deepEqual(loop?.slice(i - 5, i + 2), ['-protocol_whitelist', 'file', '-re', '-stream_loop', '-1', '-i', 'file:/clips/a.mp4']);
  assert.ok(!loop?.includes('-bsf:v'));
  assert.equal(keep?.[(keep?.indexOf('-i') ?? 0) + 1], 'pipe:0');
  assert.equal(keep?.[(keep?.indexOf('-bsf:v') ?? 0) + 1], `noise=drop='${keyframeDropExpression()}'`);
  const args = buildDecoderArgs(options);
  assert.ok(!args.includes('-skip_frame'), 'skipping non-key frames in the decoder would hold keyframes in its reorder buffer');
  assert.ok(!args.includes('file:/clips/a.mp4'), 'the decode stage never opens the source');
  assert.deepEqual(args.slice(args.indexOf('-i') - 8, args.indexOf('-i') + 2), ['-thread_type', 'slice', '-probesize', '32', '-analyzeduration', '0', '-f', 'nut', '-i', 'pipe:0']);
  assert.equal(args[args.indexOf('-fps_mode') + 1], 'passthrough');
  const vf = args[args.indexOf('-vf') + 1] ?? '';
  assert.match(vf, /^select='key\*\(isnan\(prev_selected_t\)\+gte\(t-prev_selected_t\\,0\.4500\)\)',showinfo/);
  assert.ok(!vf.includes('fps='));
  // Without an fps every keyframe is kept, and only keyframes.
  assert.equal(buildFilterChain({ strategy: 'keyframes', width: 64, height: 64, hwaccel: 'none' }).split(',').slice(0, 2).join(','), "select='key',showinfo=checksum=0");
});

void test('the keyframe pipeline is one sh command line whose words reach ffmpeg unchanged', async () => {
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  const words = ['-i', "rtsp://u:p'a$HOME`x`@h/x y", "noise=drop='if(key,st(1,1)*st(0,n)*0,not(ld(1))+gt(n-ld(0),2))'", '\\n;|&'];
  // printf stands in for ffmpeg: sh must hand it every word exactly as given.
  const { command, args } = keyframePipelineCommand('printf', [['%s\\n', ...words]]);
  assert.equal(command, 'sh');
  const { stdout } = await execa(command, args, { timeout: 10_000, stdin: 'ignore' });
  assert.deepEqual(stdout.split('\n'), words);
  assert.deepEqual(keyframePipelineCommand('ffmpeg', [['-a'], ['-b']]).args, ['-c', "trap : TERM; 'ffmpeg' '-a' | 'ffmpeg' '-b'"]);
});

void test('the demux stage keeps each keyframe and the packets its reorder delay needs, and nothing before the first keyframe', async () => {
  const dir = tempDir();
  try {
    const render = async (path: string, bframes: number) => {
      const encode = ['-c:v', 'libx264', '-preset', 'veryfast', '-bf', String(bframes), '-g', '10', '-keyint_min', '10', '-sc_threshold', '0'];
      await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=128x72:rate=10:duration=3,format=yuv420p', ...encode, path], { timeout: 60_000, stdin: 'ignore' });
    };
    const bframes = join(dir.path, 'gop10-bframes.mp4');
    const plain = join(dir.path, 'gop10.mp4');
    await Promise.all([render(bframes, 3), render(plain, 0)]);
    // A reader that joins mid-GOP: the same stream without its first three packets (the first keyframe among them).
    const joined = join(dir.path, 'joined.nut');
    await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', bframes, '-c:v', 'copy', '-bsf:v', "noise=drop='lt(n,3)'", '-avoid_negative_ts', 'disabled', joined], { timeout: 30_000, stdin: 'ignore' });
    const passed = async (path: string) => {
      const demux = buildKeyframeDemuxStages({ kind: 'file', path, loop: false, realtime: false })[0] ?? [];
      const { stdout } = await execa('ffmpeg', [...demux.slice(0, -3), '-f', 'framecrc', 'pipe:1'], { timeout: 30_000, stdin: 'ignore' });
      // framecrc marks packets without the key flag with F=0x0.
      return stdout.split('\n').filter((line) => /^0,/.test(line)).map((line) => !/F=0x0/.test(line));
    };
    // x264's B-pyramid: the keyframe's dts is two frames before its pts, so two packets follow it.
    assert.deepEqual(await passed(bframes), [true, false, false, true, false, false, true, false, false], 'three GOPs with B-frames');
    assert.deepEqual(await passed(plain), [true, true, true], 'without B-frames only keyframes are decoded');
    assert.deepEqual(await passed(joined), [true, false, false, true, false, false], 'joined mid-GOP: from the next keyframe on');
    // Without timestamps to read the delay from (no pts, dts or duration), two follow.
    assert.match(keyframeDropExpression(), /^if\(key,st\(2,if\(eq\(pts,nopts\)\+eq\(dts,nopts\)\+not\(gt\(duration,0\)\),2,/);
    assert.equal(keyframeDropExpression(0), 'if(key,st(2,0)*0+st(1,1)*st(0,n)*0,not(ld(1))+gt(n-ld(0),ld(2)))');
  } finally {
    dir.dispose();
  }
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

void test('strategy: auto picks keyframes exactly when the keyframe interval is at most 1/fps', () => {
  assert.equal(chooseStrategy('auto', 5, 0.2), 'keyframes', 'GOP 5 at 25 fps serves 5 fps');
  assert.equal(chooseStrategy('auto', 5, 0.200011), 'keyframes', 'timestamp rounding of an exact 0.2 s');
  assert.equal(chooseStrategy('auto', 5, 0.2 + KEYFRAME_INTERVAL_TOLERANCE_SEC), 'keyframes');
  assert.equal(chooseStrategy('auto', 5, 0.2 + KEYFRAME_INTERVAL_TOLERANCE_SEC + 1e-6), 'all');
  assert.equal(chooseStrategy('auto', 5, 0.208), 'all', 'the old 5 % slack picked keyframes here: 4.8 fps for an asked 5');
  assert.equal(chooseStrategy('auto', 5, 0.1), 'keyframes');
  assert.equal(chooseStrategy('auto', 0.5, 2), 'keyframes', 'a 2 s GOP serves 0.5 fps');
  assert.equal(chooseStrategy('auto', 0.5, 2.04), 'all', 'one frame more at 25 fps does not');
  assert.equal(chooseStrategy('auto', 1, 1), 'keyframes');
  assert.equal(chooseStrategy('auto', 5, 2), 'all', 'the usual camera: 2 s GOP, detect at 5 fps');
  assert.equal(chooseStrategy('auto', 5, undefined), 'all');
  assert.equal(chooseStrategy('auto', undefined, 0.2), 'all');
  assert.equal(chooseStrategy('auto', 5, 0), 'all', 'a nonsense interval is not a measurement');
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

void test('keyframe interval from ffprobe packets is the longest gap between K packets', () => {
  const csv = ['0.000000,K_', '0.040000,__', '1.000000,K_', '1.040000,__', '2.000000,K_', '4.000000,K_', ''].join('\n');
  assert.equal(keyframeIntervalFromPackets(csv), 2, 'keyframes alone serve an fps only if every gap does');
  assert.equal(keyframeIntervalFromPackets(['1.2,K_', '0.2,K_', '0.7,K_'].join('\n')), 0.5, 'order-independent');
  assert.equal(keyframeIntervalFromPackets('0.0,K_\n0.04,__\n'), undefined);
});
