import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ChildRegistry, DETECTOR_CHILDREN_FILE } from '../../common/child/orphan-registry.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import { isAlive } from '../../common/proc.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';
import { planDecode } from '../decode/decode-plan.ts';
import { probeVideoSize, VideoSizeProbeError } from '../geometry/video-size-probe.ts';

// The detector's short-lived ffprobe children (the keyframe probe of the decode plan, the main
// stream's size probe) are in its orphan registry while they run, like the decoders, so a detector
// SIGKILLed mid-probe leaves nothing the next start cannot sweep. A silent RTSP server keeps each
// probe running until its deadline; the registry file is read from disk as the next start would.
let server: Server;
let port = 0;
const sockets = new Set<Socket>();

before(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function recordedOnDisk(stateDir: string): Array<{ pid: number; owner: string }> {
  try {
    return (JSON.parse(readFileSync(join(stateDir, DETECTOR_CHILDREN_FILE), 'utf8')) as { children: Array<{ pid: number; owner: string }> }).children;
  } catch {
    return [];
  }
}

async function whileProbing(stateDir: string, owner: string): Promise<number> {
  const until = Date.now() + 5_000;
  for (;;) {
    const record = recordedOnDisk(stateDir).find((entry) => entry.owner === owner);
    if (record) return record.pid;
    assert.ok(Date.now() < until, `no ${owner} recorded in ${DETECTOR_CHILDREN_FILE}`);
    await sleep(20);
  }
}

const rtsp = () => ({ kind: 'rtsp' as const, url: `rtsp://127.0.0.1:${port}/cam`, transport: 'tcp' as const });
const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();

void test('the decode plan\'s keyframe probe is recorded while it runs and forgotten when it ends', async () => {
  const stateDir = tempStateDir();
  const registry = new ChildRegistry(stateDir, DETECTOR_CHILDREN_FILE, 'detector');
  const plan = planDecode({ input: rtsp(), decode: 'auto', fps: 5, hwaccel: 'none', env: { renderNodes: [], ffmpegHwaccels: [], ffmpegDecoders: [], nvidiaDevice: false, v4l2m2mDevice: false }, probeTimeoutMs: 1500, children: registry, owner: 'yard' });
  const pid = await whileProbing(stateDir, 'yard keyframe probe');
  assert.equal(comm(pid), 'ffprobe');
  const result = await plan;
  assert.deepEqual([result.strategy, result.keyframeInterval], ['all', undefined], 'a silent source: no interval, decode all');
  assert.deepEqual(recordedOnDisk(stateDir), []);
  assert.equal(isAlive(pid), false);
});

void test('the main stream\'s size probe is recorded while it runs and forgotten when it ends', async () => {
  const stateDir = tempStateDir();
  const registry = new ChildRegistry(stateDir, DETECTOR_CHILDREN_FILE, 'detector');
  const probe = probeVideoSize(rtsp(), { timeoutMs: 1500, children: registry, owner: 'yard' });
  probe.catch(() => undefined);
  const pid = await whileProbing(stateDir, 'yard size probe');
  assert.equal(comm(pid), 'ffprobe');
  await assert.rejects(probe, VideoSizeProbeError);
  assert.deepEqual(recordedOnDisk(stateDir), []);
  assert.equal(isAlive(pid), false);
});
