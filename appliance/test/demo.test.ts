import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEMO_CLIP, ensureDemoClip } from '../demo-clip.ts';
import { DEMO_CAMERA_ID, demoConfig } from '../demo-config.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLED_MODEL = join(ROOT, 'test', 'fixtures', 'models', 'boxes-yolov8.onnx');

void test('demo config validates; without mediamtx the camera idles and the detector reads the source', () => {
  const without = demoConfig({ stateDir: '/tmp/x', mediamtx: false, source: 'file:///tmp/x/demo-clip.mp4' });
  const camera = without.cameras[0];
  assert.equal(camera?.id, DEMO_CAMERA_ID);
  assert.equal(camera?.mode, 'on-demand');
  assert.equal(camera?.detect?.read_from, 'source');
  assert.equal(without.mediamtx.enabled, false);
  assert.equal(without.mqtt, undefined);
  assert.equal(without.detector.model, undefined, 'the bundled model');
  const withMediamtx = demoConfig({ stateDir: '/tmp/x', mediamtx: true, mediamtxBin: '/opt/mediamtx', httpPort: 0 });
  assert.equal(withMediamtx.cameras[0]?.mode, 'always');
  assert.equal(withMediamtx.cameras[0]?.detect?.read_from, 'mediamtx');
  assert.match(withMediamtx.cameras[0]?.source ?? '', /^testsrc:\/\/\?.*objects=2/);
  assert.equal(withMediamtx.mediamtx.bin, '/opt/mediamtx');
});

void test('the demo clip is rendered once (640x360, 10 fps, 20 s) and reused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = await ensureDemoClip(dir);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height,r_frame_rate:format=duration', '-of', 'json', path], { encoding: 'utf8', timeout: 30_000 });
  const info = JSON.parse(probe.stdout) as { streams: Array<{ width: number; height: number; r_frame_rate: string }>; format: { duration: string } };
  assert.equal(info.streams[0]?.width, DEMO_CLIP.width);
  assert.equal(info.streams[0]?.height, DEMO_CLIP.height);
  assert.equal(info.streams[0]?.r_frame_rate, `${DEMO_CLIP.fps}/1`);
  assert.ok(Math.abs(Number(info.format.duration) - DEMO_CLIP.seconds) < 0.5);
  const started = Date.now();
  assert.equal(await ensureDemoClip(dir), path);
  assert.ok(Date.now() - started < 100, 'second call reuses the file');
  // A failing ffmpeg leaves no partial file behind.
  await assert.rejects(ensureDemoClip(join(dir, 'sub-does-not-exist'), 'ffmpeg', 10_000), /could not render the demo clip/);
});

void test('the bundled model finds the demo clip\'s person and car', { skip: existsSync(BUNDLED_MODEL) ? false : 'bundled model not generated (scripts/make-test-models.py)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clip = await ensureDemoClip(dir);
  const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'lookout.js'), 'detect', pathToFileURL(clip).href, '--fps', '2', '--max-frames', '6', '--threads', '1'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, LOOKOUT_LOG_LEVEL: 'warn' },
  });
  assert.equal(result.status, 0, result.stderr);
  const labels = new Set([...result.stdout.matchAll(/"label":"(\w+)"/g)].map((match) => match[1]));
  assert.ok(labels.has('person') && labels.has('car'), `labels found: ${[...labels].join(', ')}\n${result.stdout.slice(0, 500)}`);
});
