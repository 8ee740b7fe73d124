// End to end with the REAL mediamtx binary: runs only when MEDIAMTX_BIN points at it (mediamtx
// cannot be installed on the machines this project is built on, so this has never run there).
// Gateway HTTP (auth + demand routes) + real PipelineManager publishing a testsrc with ffmpeg →
// mediamtx; read back with ffprobe as a viewer; auth denial; on-demand start/stop.
import { freePort } from '../../../test/support/free-port.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseConfig } from '../../../common/config/load.ts';
import { silentLogger } from '../../../common/log.ts';
import { hashPassword } from '../../../common/password.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));


async function probe(url: string): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', url], { timeout: 30_000 });
    return { ok: true, out: stdout.trim() };
  } catch (error) {
    return { ok: false, out: String((error as { stderr?: string }).stderr ?? error) };
  }
}

void test('real mediamtx: publish, read with ffprobe, auth denial, on-demand start/stop', async (t) => {
  const bin = process.env.MEDIAMTX_BIN;
  if (!bin) {
    t.skip('MEDIAMTX_BIN not set: mediamtx cannot be installed here');
    return;
  }
  const { GatewayService } = await import('../../service.ts');
  const { createMediamtxIntegration } = await import('../integration.ts');
  const stateDir = await mkdtemp(join(tmpdir(), 'lookout-e2e-mtx-'));
  const [httpPort, rtspPort, apiPort, metricsPort, hlsPort, webrtcPort] = await Promise.all(Array.from({ length: 6 }, freePort));
  const config = parseConfig(
    {
      state_dir: stateDir,
      http: { port: httpPort },
      pipelines: { limit: 2 },
      mediamtx: { bin, rtsp_port: rtspPort, api_port: apiPort, metrics_port: metricsPort, hls_port: hlsPort, webrtc_port: webrtcPort },
      viewers: [{ user: 'alice', password_hash: await hashPassword('alice-password') }],
      cameras: [
        { id: 'live', source: 'testsrc://?size=320x240&rate=10', video: 'h264' },
        { id: 'lazy', source: 'testsrc://?size=320x240&rate=10', video: 'h264', mode: 'on-demand' },
      ],
    },
    { env: {} },
  );
  const holder: { service?: InstanceType<typeof GatewayService> } = {};
  const mediamtx = createMediamtxIntegration(config, { logger: silentLogger(), cwd: REPO, manager: () => holder.service!.manager });
  const service = new GatewayService(config, { logger: silentLogger(), mediamtx });
  holder.service = service;
  try {
    await service.start();
    const api = mediamtx.sidecar()!.api;
    const deadline = Date.now() + 30_000;
    while (!(await api.pathReady('live')).available && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.equal((await api.pathReady('live')).available, true, 'the always-on camera publishes');
    const good = await probe(`rtsp://alice:alice-password@127.0.0.1:${rtspPort}/live`);
    assert.equal(good.ok, true, good.out);
    assert.match(good.out, /h264/);
    assert.equal((await probe(`rtsp://alice:wrong-password@127.0.0.1:${rtspPort}/live`)).ok, false, 'wrong password denied');
    assert.equal((await probe(`rtsp://127.0.0.1:${rtspPort}/live`)).ok, false, 'anonymous denied');
    // The Control API and metrics need the per-boot credential; loopback alone gets 401.
    const { user, password } = mediamtx.bootSecrets.api;
    const basic = { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
    assert.equal((await fetch(`http://127.0.0.1:${apiPort}/v3/paths/list`)).status, 401);
    assert.equal((await fetch(`http://127.0.0.1:${apiPort}/v3/paths/list`, { headers: basic })).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status, 401);
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: basic })).status, 200);
    // The live camera's publish credential, as read from its ffmpeg's argv, cannot publish again.
    const live = mediamtx.credentials;
    assert.equal(live.unused('live'), false, 'the running publisher used its credential');
    const lazy = await probe(`rtsp://alice:alice-password@127.0.0.1:${rtspPort}/lazy`);
    assert.equal(lazy.ok, true, `on-demand start: ${lazy.out}`);
    assert.ok(mediamtx.leases.size <= 1);
    const closeBy = Date.now() + 30_000;
    while (mediamtx.leases.size > 0 && Date.now() < closeBy) await new Promise((r) => setTimeout(r, 250));
    assert.equal(mediamtx.leases.size, 0, 'on-demand lease released after runOnDemandCloseAfter');
    assert.ok((await readFile(join(stateDir, 'mediamtx.effective.yml'), 'utf8')).includes('runOnDemand'));
  } finally {
    await service.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
});
