import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../common/config/load.ts';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { silentLogger } from '../../common/log.ts';
import { MemorySink } from '../publisher.ts';
import { DetectorService } from '../service.ts';
import { ObjectTracker } from '../track/index.ts';
import { renderClip, tempDir } from './clips.ts';
import { FakeSlowInferencePool } from './fake-inference-pool.ts';
import { activeResources, liveChildren, openFds, processListeners } from './leak-probe.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';

const dir = tempDir();
const clip = join(dir.path, 'clip.mp4');
before(() => renderClip(clip, { width: 320, height: 240, fps: 10, seconds: 2, gop: 10 }));
after(() => dir.dispose());

const NO_HW = { renderNodes: [], ffmpegHwaccels: [], ffmpegDecoders: [], nvidiaDevice: false, v4l2m2mDevice: false };

function config() {
  return parseConfig({
    state_dir: tempStateDir(),
    shutdown_timeout: '10s',
    pipelines: { stop_grace: '2s', backoff_initial: '100ms', backoff_max: '500ms' },
    cameras: [
      { id: 'cam1', source: `file://${clip}`, detect: { fps: 10, read_from: 'source', decode: 'all' } },
      // vaapi really fails here (no /dev/dri): this camera falls back to software.
      { id: 'cam2', source: `file://${clip}`, detect: { fps: 5, read_from: 'source', decode: 'all', hwaccel: 'vaapi' } },
      { id: 'nodetect', source: `file://${clip}` },
    ],
    detector: { hwaccel: 'none', workers: 1, http: { host: '127.0.0.1', port: 0 } },
  });
}

void test('pause/resume cycles leave no child, fd, timer or listener behind; HTTP API pauses and reports', async () => {
  const sink = new MemorySink(200);
  const pool = new FakeSlowInferencePool(5, 64);
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(chunk.toString()), done()) }));
  const service = await new DetectorService({ config: config(), logger, sink, createPool: async () => pool, createTracker: () => new ObjectTracker(), hwaccelEnvironment: NO_HW, heartbeatMs: 200 }).start();
  try {
    assert.deepEqual(service.status().cameras.map((camera) => camera.id), ['cam1', 'cam2'], 'only detection-enabled cameras');
    await sink.waitForFrames(5, 15_000);
    const deadline = Date.now() + 15_000;
    while (!sink.frames.some((frame) => frame.camera === 'cam2') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(service.status('cam2').cameras[0]?.hwaccelFallbacks, 1, 'vaapi failed once and fell back');
    assert.equal(service.status('cam2').cameras[0]?.hwaccel, 'none');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const heartbeats = logged.map((line) => JSON.parse(line) as { msg: string; cameras?: Array<{ id: string; decodedFps: number }> }).filter((line) => line.msg === 'detector heartbeat');
    assert.ok(heartbeats.some((line) => line.cameras?.some((camera) => camera.id === 'cam1' && camera.decodedFps > 0)), 'heartbeat line with per-camera fps');
    const base = `http://127.0.0.1:${service.httpPort}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const paused = await fetch(`${base}/api/v1/detect/cameras/cam2/pause`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(paused.status, 200);
    assert.equal(((await paused.json()) as { data: { state: string } }).data.state, 'paused');
    assert.equal((await fetch(`${base}/api/v1/detect/cameras/nope/pause`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 404);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /lookout_detector_frames_decoded_total\{camera="cam1"\} [1-9]/);
    assert.match(metrics, /lookout_detector_inference_ms_bucket/);
    assert.match(metrics, /hwaccel_fallbacks_total\{camera="cam2"\} 1/);
    assert.match(metrics, /lookout_detector_decoded_fps\{camera="cam1"\} [0-9.]+/);

    await service.pauseCamera('cam1');
    assert.deepEqual(liveChildren(), [], 'both decoders stopped');
    const fds = openFds();
    const resources = activeResources();
    const listeners = processListeners();
    for (let cycle = 0; cycle < 30; cycle++) {
      await service.resumeCamera('cam1');
      if (cycle % 10 === 0) await sink.waitForFrames(sink.framesSeen + 1, 15_000);
      await service.pauseCamera('cam1');
      await service.pauseCamera('cam1'); // idempotent
      assert.equal(service.status('cam1').cameras[0]?.pid, undefined);
      assert.deepEqual(liveChildren(), [], `cycle ${cycle}: no child left`);
    }
    // Let pipe destruction timers (50 ms after exit) run.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(openFds() <= fds + 2, `fds ${openFds()} vs ${fds} before`);
    const now = activeResources();
    for (const kind of ['ProcessWrap', 'PipeWrap', 'Timeout']) {
      assert.ok((now[kind] ?? 0) <= (resources[kind] ?? 0), `${kind}: ${now[kind] ?? 0} vs ${resources[kind] ?? 0} before`);
    }
    assert.equal(processListeners(), listeners);
    // Concurrent calls are serialized: the final state is the last call's.
    await Promise.all([service.resumeCamera('cam1'), service.pauseCamera('cam1'), service.resumeCamera('cam1')]);
    assert.equal(service.status('cam1').cameras[0]?.state, 'running');
    assert.equal((await service.setDetect('cam2', true)).state, 'running');
  } finally {
    await service.stop();
  }
  assert.deepEqual(liveChildren(), []);
  assert.equal(pool.closed, true);
});

void test('two-phase shutdown: in-flight inferences finish and reach the sink before the pool closes', async () => {
  const sink = new MemorySink(200);
  const pool = new FakeSlowInferencePool(800, 64);
  const order: string[] = [];
  const close = pool.close.bind(pool);
  pool.close = async () => {
    order.push('pool closed');
    await close();
  };
  const recording = {
    frame: (result: Parameters<MemorySink['frame']>[0]) => {
      order.push(`frame ${result.camera}`);
      sink.frame(result);
    },
    event: () => undefined,
    counts: () => undefined,
  };
  const service = await new DetectorService({ config: config(), logger: silentLogger(), sink: recording, createPool: async () => pool, createTracker: () => new ObjectTracker(), hwaccelEnvironment: NO_HW, http: false }).start();
  const deadline = Date.now() + 15_000;
  while (service.status().inFlight < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const inFlight = service.status().inFlight;
  assert.ok(inFlight >= 1);
  const before = sink.framesSeen;
  order.push('stop');
  const { drained } = await service.stop();
  assert.equal(drained, true);
  assert.equal(sink.framesSeen, before + inFlight, 'every in-flight result was delivered');
  assert.equal(order.at(-1), 'pool closed');
  assert.ok(order.lastIndexOf('stop') < order.lastIndexOf(`frame ${sink.frames.at(-1)?.camera}`), 'a result arrived after stop began');
  assert.deepEqual(liveChildren(), []);
});
