import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildDecoderArgs } from '../decode/decoder-args.ts';
import { chooseHwaccel, HwaccelFallback, hwaccelArgs, probeHwaccelEnvironment, type HwaccelEnvironment } from '../decode/hwaccel.ts';

const NOTHING: HwaccelEnvironment = { renderNodes: [], ffmpegHwaccels: ['vdpau', 'cuda', 'vaapi'], ffmpegDecoders: [], nvidiaDevice: false, v4l2m2mDevice: false };

void test('exact ffmpeg arguments for every hardware mode', () => {
  assert.deepEqual(hwaccelArgs('none'), { input: [], filters: [] });
  assert.deepEqual(hwaccelArgs('vaapi', '/dev/dri/renderD129'), {
    input: ['-hwaccel', 'vaapi', '-hwaccel_device', '/dev/dri/renderD129', '-hwaccel_output_format', 'vaapi'],
    filters: ['hwdownload', 'format=nv12'],
  });
  assert.deepEqual(hwaccelArgs('qsv'), {
    input: ['-hwaccel', 'qsv', '-qsv_device', '/dev/dri/renderD128', '-hwaccel_output_format', 'qsv', '-c:v', 'h264_qsv'],
    filters: ['hwdownload', 'format=nv12'],
  });
  assert.deepEqual(hwaccelArgs('cuda', '1'), {
    input: ['-hwaccel', 'cuda', '-hwaccel_device', '1', '-hwaccel_output_format', 'cuda'],
    filters: ['hwdownload', 'format=nv12'],
  });
  assert.deepEqual(hwaccelArgs('v4l2m2m'), { input: ['-c:v', 'h264_v4l2m2m'], filters: [] });
});

void test('hardware input options come before -i and the download runs before showinfo and the letterbox', () => {
  for (const mode of ['vaapi', 'qsv', 'cuda'] as const) {
    const args = buildDecoderArgs({ input: { kind: 'file', path: '/x.mp4', loop: false, realtime: false }, strategy: 'all', fps: 5, width: 640, height: 640, hwaccel: mode });
    const hw = args.indexOf('-hwaccel');
    assert.ok(hw >= 0 && hw < args.indexOf('-i'), `${mode}: -hwaccel before -i`);
    const vf = args[args.indexOf('-vf') + 1] ?? '';
    assert.match(vf, /^fps=5,hwdownload,format=nv12,showinfo=checksum=0,scale=640:640:/, mode);
  }
  const m2m = buildDecoderArgs({ input: { kind: 'file', path: '/x.mp4', loop: false, realtime: false }, strategy: 'keyframes', width: 320, height: 320, hwaccel: 'v4l2m2m' });
  assert.ok(m2m.indexOf('-c:v') < m2m.indexOf('-i'));
  assert.equal(m2m[m2m.indexOf('-c:v') + 1], 'h264_v4l2m2m');
});

void test('auto picks what exists: cuda, then vaapi, then v4l2m2m, else software', () => {
  assert.equal(chooseHwaccel('auto', NOTHING).mode, 'none');
  assert.equal(chooseHwaccel('auto', { ...NOTHING, renderNodes: ['/dev/dri/renderD128'] }).mode, 'vaapi');
  assert.deepEqual(chooseHwaccel('auto', { ...NOTHING, renderNodes: ['/dev/dri/renderD129'] }).device, '/dev/dri/renderD129');
  assert.equal(chooseHwaccel('auto', { ...NOTHING, renderNodes: ['/dev/dri/renderD128'], ffmpegHwaccels: [] }).mode, 'none');
  assert.equal(chooseHwaccel('auto', { ...NOTHING, nvidiaDevice: true, renderNodes: ['/dev/dri/renderD128'] }).mode, 'cuda');
  assert.equal(chooseHwaccel('auto', { ...NOTHING, v4l2m2mDevice: true, ffmpegDecoders: ['h264_v4l2m2m'] }).mode, 'v4l2m2m');
  // A configured device wins over the first render node; explicit modes are honoured.
  assert.equal(chooseHwaccel('vaapi', { ...NOTHING, renderNodes: ['/dev/dri/renderD128'] }, '/dev/dri/renderD130').device, '/dev/dri/renderD130');
  assert.equal(chooseHwaccel('qsv', NOTHING).mode, 'qsv');
  assert.equal(chooseHwaccel('none', { ...NOTHING, nvidiaDevice: true }).mode, 'none');
});

void test('this machine has no GPU: the real probe resolves auto to software', async () => {
  const env = await probeHwaccelEnvironment('ffmpeg', 10_000);
  assert.ok(env.ffmpegHwaccels.length > 0, 'ffmpeg -hwaccels was parsed');
  assert.equal(chooseHwaccel('auto', env).mode, 'none');
});

void test('fallback: software after an early failure, hardware again after retryAfter', () => {
  let now = 1000;
  const state = new HwaccelFallback({ mode: 'vaapi', device: '/dev/dri/renderD128', reason: 'configured' }, 60_000, () => now);
  assert.equal(state.active().mode, 'vaapi');
  assert.equal(state.reportEarlyFailure('vaapi', 'exit 1'), true);
  assert.equal(state.active().mode, 'none');
  assert.equal(state.fallbacks, 1);
  assert.equal(state.retryAt, 61_000);
  now = 60_999;
  assert.equal(state.active().mode, 'none');
  now = 61_000;
  assert.equal(state.active().mode, 'vaapi');
  assert.equal(state.reportEarlyFailure('none', 'software failed'), false, 'a software failure is not a fallback');
});
