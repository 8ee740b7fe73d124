/**
 * End to end with real ffmpeg and a real RTSP server. The server is the npm package
 * rtsp-streaming-server standing in for mediamtx (which cannot be installed here); it speaks RTP
 * over UDP only, so the gateway publishes with `publish_transport: udp`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { isAlive } from '../../common/proc.ts';
import { api, readFrames, tempDir, testConfig, testsrcCamera, waitUntil, type TempDir } from '../../test/support/gateway-harness.ts';
import { startRtspStandIn, type RtspStandIn } from '../../test/support/rtsp-stand-in.ts';
import type { CameraStatus } from '../pipeline/camera-state.ts';
import { GatewayService } from '../service.ts';

let rtsp: RtspStandIn;
let dir: TempDir;

before(async () => {
  rtsp = await startRtspStandIn();
  dir = tempDir();
});

after(async () => {
  await rtsp.close();
  dir.remove();
});

function publishBase(): string {
  return `rtsp://127.0.0.1:${rtsp.publishPort}`;
}

async function state(service: GatewayService, id: string): Promise<CameraStatus> {
  const reply = await api(service.port, 'GET', `/api/v1/cameras/${id}`);
  assert.equal(reply.status, 200);
  return reply.body.data as CameraStatus;
}

void test('e2e (rtsp-streaming-server stand-in, not mediamtx): testsrc published, frames read; limit, pause/resume over HTTP', async () => {
  const config = testConfig({
    stateDir: `${dir.path}/e2e`,
    publishUrl: publishBase(),
    pipelines: { limit: 1 },
    cameras: [testsrcCamera('cam1'), testsrcCamera('cam2')],
  });
  const service = new GatewayService(config);
  try {
    await service.start();
    const port = service.port;
    await waitUntil(async () => (await state(service, 'cam1')).state === 'running', 15_000, 'cam1 running');
    assert.equal((await state(service, 'cam2')).state, 'waiting', 'second always-camera waits for the only slot');

    const frames = await readFrames(rtsp.readUrl('cam1'), 3);
    assert.ok(frames >= 3, `reader decoded ${frames} frames from the published stream`);

    const refused = await api(port, 'POST', '/api/v1/cameras/cam2/resume');
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error?.code, 'conflict');
    assert.match(refused.body.error?.message ?? '', /cannot start camera "cam2": all 1 pipeline slots are in use \(pipelines\.limit=1; held by cam1\)/);

    const pausedWaiting = await api(port, 'POST', '/api/v1/cameras/cam2/pause');
    assert.equal(pausedWaiting.status, 200);
    assert.equal((pausedWaiting.body.data as CameraStatus).state, 'paused');

    for (let cycle = 0; cycle < 3; cycle++) {
      const pid = (await state(service, 'cam1')).pid;
      assert.ok(pid !== undefined && isAlive(pid));
      const paused = await api(port, 'POST', '/api/v1/cameras/cam1/pause');
      assert.equal(paused.status, 200, JSON.stringify(paused.body));
      assert.equal((paused.body.data as CameraStatus).state, 'paused');
      // Pause returns when the child is gone and its slot free.
      assert.equal(isAlive(pid), false, `ffmpeg ${pid} gone after pause`);
      assert.equal(service.manager.slots().inUse, 0);
      assert.deepEqual(service.manager.liveChildren(), []);

      const resumed = await api(port, 'POST', '/api/v1/cameras/cam1/resume');
      assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
      const status = resumed.body.data as CameraStatus;
      assert.equal(status.state, 'running');
      assert.ok(status.pid !== undefined && status.pid !== pid);
      assert.equal(service.manager.slots().inUse, 1);
    }
    const beforeRestart = (await state(service, 'cam1')).pid;
    const restarted = await api(port, 'POST', '/api/v1/cameras/cam1/restart');
    assert.equal(restarted.status, 200, JSON.stringify(restarted.body));
    assert.equal((restarted.body.data as CameraStatus).state, 'running');
    assert.notEqual((restarted.body.data as CameraStatus).pid, beforeRestart);
    assert.ok((await readFrames(rtsp.readUrl('cam1'), 2)) >= 2, 'frames after the resume cycles and the restart');

    const metrics = await api(port, 'GET', '/metrics');
    const text = String(metrics.body.text);
    assert.match(text, /^lookout_gateway_slots_in_use 1$/m);
    assert.match(text, /^lookout_gateway_slots_limit 1$/m);
    assert.match(text, /^lookout_gateway_camera_state\{camera="cam1",state="running"\} 1$/m);
    assert.match(text, /^lookout_gateway_camera_state\{camera="cam2",state="paused"\} 1$/m);
    assert.match(text, /^lookout_gateway_child_processes 1$/m);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
    assert.match(text, /^process_open_fds \d+/m);
    assert.match(text, /^lookout_gateway_uptime_seconds [\d.]+$/m);
    assert.match(text, /^lookout_gateway_restarts_total\{camera="cam1",reason="manual"\} 1$/m);
  } finally {
    const started = Date.now();
    await service.stop();
    assert.ok(Date.now() - started < 5_000, 'stop within shutdown_timeout');
  }
  assert.deepEqual(service.manager.liveChildren(), []);
  assert.equal(service.manager.slots().inUse, 0);
});

void test('e2e (stand-in): a frozen source (SIGSTOP) is detected as a stall and the pipeline restarts with reason "stall"', async () => {
  // The source camera: an ffmpeg publishing a test pattern into the stand-in; the gateway reads it back.
  const source = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '10', '-f', 'rtsp', '-rtsp_transport', 'udp', rtsp.publishUrl('src')],
    { stdio: ['pipe', 'ignore', 'ignore'], detached: true },
  );
  const sourceExit = new Promise((resolve) => source.once('exit', resolve));
  const config = testConfig({
    stateDir: `${dir.path}/stall`,
    publishUrl: publishBase(),
    cameras: [{ id: 'relay', source: rtsp.readUrl('src'), video: 'copy', rtsp_transport: 'udp', timeouts: { stall: '1500ms', start: '8s', io: '5s' } }],
  });
  const service = new GatewayService(config);
  const reasons: string[] = [];
  try {
    await waitUntil(() => rtsp.mounts().includes('/src'), 10_000, 'source publishing');
    await service.start();
    service.manager.on('restart', ({ reason }) => reasons.push(reason));
    await waitUntil(() => service.manager.status('relay').state === 'running', 15_000, 'relay running');
    const before = service.manager.status('relay').pid;
    process.kill(source.pid as number, 'SIGSTOP');
    await waitUntil(() => reasons.includes('stall'), 15_000, 'a stall restart');
    assert.equal(service.manager.stalls >= 1, true);
    assert.ok(before === undefined || !isAlive(before), 'the stalled ffmpeg was killed');
    const metrics = await service.metrics.registry.metrics();
    assert.match(metrics, /^lookout_gateway_restarts_total\{camera="relay",reason="stall"\} [1-9]/m);
    assert.match(metrics, /^lookout_gateway_stalls_total\{camera="relay"\} [1-9]/m);
  } finally {
    await service.stop();
    try {
      process.kill(source.pid as number, 'SIGCONT');
      source.stdin?.end('q');
      process.kill(-(source.pid as number), 'SIGTERM');
    } catch {
      // already gone
    }
    await sourceExit;
  }
  assert.deepEqual(service.manager.liveChildren(), []);
});
