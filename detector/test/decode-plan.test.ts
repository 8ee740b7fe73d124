import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { planDecode } from '../decode/decode-plan.ts';
import type { HwaccelEnvironment } from '../decode/hwaccel.ts';
import { renderClip, tempDir } from './clips.ts';

// The one decode plan of the service and `lookout detect`, on real clips probed by a real ffprobe.
const dir = tempDir('lookout-decode-plan-');
const tightGop = join(dir.path, 'gop5.mp4');
const cameraGop = join(dir.path, 'gop50.mp4');
const NO_HW: HwaccelEnvironment = { renderNodes: [], ffmpegHwaccels: [], ffmpegDecoders: [], nvidiaDevice: false, v4l2m2mDevice: false };

before(async () => {
  await renderClip(tightGop, { width: 160, height: 90, fps: 25, seconds: 3, gop: 5 });
  await renderClip(cameraGop, { width: 160, height: 90, fps: 25, seconds: 5, gop: 50 });
});
after(() => dir.dispose());

const file = (path: string) => ({ kind: 'file' as const, path, loop: false, realtime: false });

void test('auto: keyframes when they alone give the detect fps (GOP 0.2 s at 5 fps), all when they do not (GOP 2 s)', async () => {
  const tight = await planDecode({ input: file(tightGop), decode: 'auto', fps: 5, hwaccel: 'none', env: NO_HW });
  assert.equal(tight.strategy, 'keyframes');
  assert.ok(tight.keyframeInterval !== undefined && Math.abs(tight.keyframeInterval - 0.2) < 0.01, `interval ${tight.keyframeInterval}`);
  const camera = await planDecode({ input: file(cameraGop), decode: 'auto', fps: 5, hwaccel: 'none', env: NO_HW });
  assert.equal(camera.strategy, 'all');
  assert.ok(camera.keyframeInterval !== undefined && Math.abs(camera.keyframeInterval - 2) < 0.01, `interval ${camera.keyframeInterval}`);
  // At 0.5 fps a 2 s GOP is enough.
  assert.equal((await planDecode({ input: file(cameraGop), decode: 'auto', fps: 0.5, hwaccel: 'none', env: NO_HW })).strategy, 'keyframes');
});

void test('an explicit strategy or no detect fps skips the probe; the hardware choice follows the machine', async () => {
  const explicit = await planDecode({ input: file('/nonexistent/clip.mp4'), decode: 'keyframes', fps: 5, hwaccel: 'none', env: NO_HW });
  assert.deepEqual([explicit.strategy, explicit.keyframeInterval], ['keyframes', undefined]);
  const everyFrame = await planDecode({ input: file('/nonexistent/clip.mp4'), decode: 'auto', fps: undefined, hwaccel: 'auto', env: NO_HW });
  assert.deepEqual([everyFrame.strategy, everyFrame.keyframeInterval], ['all', undefined]);
  assert.equal(everyFrame.hwaccel.mode, 'none', `no render node: software (${everyFrame.hwaccel.reason})`);
  const vaapi = await planDecode({ input: file(tightGop), decode: 'all', fps: 5, hwaccel: 'auto', env: { ...NO_HW, renderNodes: ['/dev/dri/renderD128'], ffmpegHwaccels: ['vaapi'] } });
  assert.equal(vaapi.hwaccel.mode, 'vaapi', vaapi.hwaccel.reason);
});
