/**
 * The publish path over TCP (`publish_transport: tcp`, the production default) against a real RTSP
 * receiver: ffmpeg's own RTSP listen mode (test/support/rtsp-tcp-receiver.ts), since the npm stand-in
 * speaks UDP only. Proves frames arrive, a frozen receiver is detected as a stall and the pipeline
 * restarts with backoff while nothing listens, and publishing resumes once the receiver returns.
 *
 * The source is a looping 8 Mbit/s file copied without re-encoding: at that rate the loopback socket
 * buffers fill within seconds once the receiver stops reading, so the freeze becomes a real stall.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { isAlive } from '../../common/proc.ts';
import { tempDir, testConfig, waitUntil, type TempDir } from '../../test/support/gateway-harness.ts';
import { RtspTcpReceiver } from '../../test/support/rtsp-tcp-receiver.ts';
import type { CameraStateName, RestartReason } from '../pipeline/camera-state.ts';
import { GatewayService } from '../service.ts';

let dir: TempDir;
let clip: string;

before(async () => {
  dir = tempDir('lookout-tcp-');
  clip = `${dir.path}/noise.mp4`;
  // Noise keeps the bitrate high (≈ 1 MB/s) so a frozen reader blocks the publisher quickly.
  await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=10,noise=alls=80:allf=t', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-b:v', '8M', '-maxrate', '8M', '-bufsize', '8M', clip], { timeout: 60_000 });
});

after(() => dir.remove());

function cmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '');
}

void test('publish over TCP into a real receiver: frames, a frozen receiver is a stall, backoff while it is gone, resumed when it returns', async () => {
  await using receiver = await RtspTcpReceiver.start();
  const config = testConfig({
    stateDir: `${dir.path}/state`,
    publishUrl: receiver.baseUrl,
    pipelines: { publish_transport: 'tcp', backoff_initial: '300ms', backoff_max: '2s' },
    cameras: [{ id: 'tcpcam', source: `file://${clip}`, video: 'copy', timeouts: { stall: '2s', start: '8s', io: '3s' } }],
  });
  const service = new GatewayService(config);
  const reasons: RestartReason[] = [];
  const states: Array<{ state: CameraStateName; at: number }> = [];
  try {
    await service.start();
    service.manager.on('restart', ({ reason }) => reasons.push(reason));
    service.manager.on('state', (status) => states.push({ state: status.state, at: Date.now() }));
    await waitUntil(() => service.manager.status('tcpcam').state === 'running', 20_000, 'tcpcam running');
    const first = service.manager.status('tcpcam').pid;
    assert.ok(first !== undefined);
    const argv = cmdline(first);
    const output = argv.lastIndexOf('-rtsp_transport');
    assert.equal(argv[output + 1], 'tcp', `the publisher's output transport is tcp: ${argv.join(' ')}`);
    assert.ok(argv.at(-1)?.startsWith(`${receiver.baseUrl}/tcpcam`), 'publishes to <publish_url>/<camera id>');
    await waitUntil(() => receiver.frames >= 20, 30_000, `20 frames at the receiver (has ${receiver.frames})`);

    // Freeze: the receiver stops reading, the publisher blocks once the socket buffers are full.
    receiver.freeze();
    await waitUntil(() => reasons.includes('stall'), 30_000, `a stall restart (reasons so far: ${reasons.join(',')})`);
    await waitUntil(() => !isAlive(first), 5_000, 'the stalled publisher gone');

    // Gone: nothing listens; every attempt fails and the pipeline backs off between them.
    const goneAt = Date.now();
    await receiver.vanish();
    const restartsWhenGone = reasons.length;
    await waitUntil(() => reasons.length >= restartsWhenGone + 2, 30_000, 'two failed attempts while the receiver is gone');
    const backoffs = states.filter((entry) => entry.at >= goneAt && entry.state === 'backoff');
    assert.ok(backoffs.length >= 2, `backoff entered between attempts (${backoffs.length} times)`);
    const framesWhileGone = receiver.frames;

    // Back: the next attempt publishes again.
    await receiver.listen();
    await waitUntil(() => receiver.frames >= framesWhileGone + 20, 40_000, `frames after the receiver returned (${receiver.frames} vs ${framesWhileGone})`);
    assert.equal(service.manager.status('tcpcam').state, 'running');
    const metrics = await service.metrics.registry.metrics();
    assert.match(metrics, /^lookout_gateway_stalls_total\{camera="tcpcam"\} [1-9]/m);
    assert.match(metrics, /^lookout_gateway_slots_in_use 1$/m);
  } finally {
    await service.stop();
  }
  assert.deepEqual(service.manager.liveChildren(), []);
  assert.equal(service.manager.slots().inUse, 0);
});
