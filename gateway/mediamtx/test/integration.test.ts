// The integration object the gateway service uses, with the FAKE mediamtx fixture as the binary:
// render into state_dir, spawn, ready, routes registered on one fastify server, stop.
import { freePort } from '../../../test/support/free-port.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { parse } from 'yaml';
import { parseConfig } from '../../../common/config/load.ts';
import { tempStateDir } from '../../../test/support/temp-state.ts';
import { silentLogger } from '../../../common/log.ts';
import { createMediamtxIntegration, localGatewayUrl } from '../integration.ts';
import { MediamtxNotFoundError } from '../errors.ts';
import { DEMAND_SECRET_ENV, DEMAND_SECRET_HEADER } from '../boot-secrets.ts';
import { SlotsExhaustedError } from '../../pipeline/pipeline-errors.ts';

const FAKE = fileURLToPath(new URL('../../../test/fixtures/fake-mediamtx/fake-mediamtx.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));


void test('start renders into state_dir and waits for readiness; routes answer; stop ends the sidecar', async () => {
  const root = await mkdtemp(join(tmpdir(), 'lookout-integration-'));
  // A state dir that exists with a wide mode (as a hand-made one might): start makes it 0700.
  const stateDir = join(root, 'state');
  await mkdir(stateDir, { mode: 0o755 });
  await chmod(stateDir, 0o755);
  try {
    const config = parseConfig(
      {
        state_dir: stateDir,
        http: { port: 18080 },
        mediamtx: { bin: FAKE, api_port: await freePort(), ready_timeout: '8s' },
        cameras: [{ id: 'door', source: 'testsrc://', mode: 'on-demand' }],
      },
      { env: {} },
    );
    const refusal = new SlotsExhaustedError('cam1', 1, ['cam2']);
    const parts = createMediamtxIntegration(config, { logger: silentLogger(), cwd: REPO, manager: () => ({ acquireDemand: () => Promise.reject(refusal) }) });
    await parts.start!();
    try {
      assert.equal(parts.sidecar()?.ready, true);
      const rendered = parse(await readFile(join(stateDir, 'mediamtx.effective.yml'), 'utf8'), { version: '1.1' }) as Record<string, Record<string, Record<string, unknown>>>;
      assert.equal(rendered.authHTTPAddress as unknown, 'http://127.0.0.1:18080/mediamtx/auth');
      assert.match(String(rendered.paths!.door!.runOnDemand), /bin\/lookout\.js demand door --gateway http:\/\/127\.0\.0\.1:18080$/);
      assert.equal(parts.publishUrlBase, `rtsp://127.0.0.1:${config.mediamtx.rtsp_port}`);
      const app = Fastify();
      for (const route of parts.routes) await app.register(route.plugin, route.options ?? {});
      const credential = parts.credentials.issue('door');
      const auth = await app.inject({
        method: 'POST',
        url: '/mediamtx/auth',
        remoteAddress: '127.0.0.1',
        payload: { ip: '127.0.0.1', user: credential.user, password: credential.password, token: credential.password, action: 'publish', path: 'door', protocol: 'rtsp', id: null, query: '', userAgent: 'Lavf' },
      });
      assert.equal(auth.statusCode, 200);
      const demand = await app.inject({ method: 'POST', url: '/mediamtx/demand/door', remoteAddress: '127.0.0.1', headers: { [DEMAND_SECRET_HEADER]: parts.bootSecrets.demand } });
      assert.equal(demand.statusCode, 409, 'with the per-boot secret the request reaches the pipeline manager');
      const noSecret = await app.inject({ method: 'POST', url: '/mediamtx/demand/door', remoteAddress: '127.0.0.1' });
      assert.equal(noSecret.statusCode, 401);
      // The per-boot secrets: 0600 files in a 0700 state dir; the credential file is what an operator uses.
      assert.equal((await stat(stateDir)).mode & 0o777, 0o700);
      assert.equal((await stat(parts.bootSecrets.apiFile)).mode & 0o777, 0o600);
      assert.equal((await stat(parts.bootSecrets.demandFile)).mode & 0o777, 0o600);
      assert.equal((await stat(join(stateDir, 'mediamtx.effective.yml'))).mode & 0o777, 0o600);
      assert.equal(await readFile(parts.bootSecrets.apiFile, 'utf8'), `lookout-api:${parts.bootSecrets.api.password}\n`);
      assert.equal((await readFile(parts.bootSecrets.demandFile, 'utf8')).trim(), parts.bootSecrets.demand);
      const apiAllowed = await app.inject({ method: 'POST', url: '/mediamtx/auth', remoteAddress: '127.0.0.1', payload: { ip: '127.0.0.1', ...parts.bootSecrets.api, token: parts.bootSecrets.api.password, action: 'api', path: '', protocol: '', id: null, query: '', userAgent: 'curl' } });
      assert.equal(apiAllowed.statusCode, 200);
      const env = (await readFile(`/proc/${parts.sidecar()!.pid!}/environ`, 'utf8')).split('\0');
      assert.ok(env.includes(`${DEMAND_SECRET_ENV}=${parts.bootSecrets.demandFile}`), 'mediamtx (and so its hooks) get the secret file\'s path');
      assert.equal(env.some((entry) => entry.includes(parts.bootSecrets.demand) || entry.includes(parts.bootSecrets.api.password)), false, 'never the secrets themselves');
      await app.close();
      const text = await parts.registry.metrics();
      assert.match(text, /lookout_mediamtx_up 1/);
      assert.match(text, /lookout_mediamtx_auth_decisions_total\{action="publish",result="allow"\} 1/);
      assert.match(text, /lookout_mediamtx_demand_leases 0/);
    } finally {
      await parts.stop!();
    }
    const after = await parts.registry.metrics();
    assert.match(after, /lookout_mediamtx_up 0/);
    assert.match(after, /lookout_mediamtx_exits_total\{kind="requested"\} 1/);
    assert.equal(parts.sidecar()?.pid, undefined);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

void test('a missing binary fails start with the install instructions; http.port 0 is refused', async () => {
  // A state dir of its own: a start that fails late has already written its boot secrets there.
  const config = parseConfig({ state_dir: tempStateDir(), mediamtx: { bin: '/nonexistent/mediamtx' } }, { env: {} });
  const parts = createMediamtxIntegration(config, { logger: silentLogger(), manager: () => ({ acquireDemand: () => Promise.reject(new Error('unused')) }) });
  await assert.rejects(parts.start!(), MediamtxNotFoundError);
  const noBase = parseConfig({ state_dir: tempStateDir(), mediamtx: { bin: FAKE, base_config: '/nonexistent/mediamtx.yml' } }, { env: {} });
  const partsNoBase = createMediamtxIntegration(noBase, { logger: silentLogger(), manager: () => ({ acquireDemand: () => Promise.reject(new Error('unused')) }) });
  await assert.rejects(partsNoBase.start!(), /mediamtx\.base_config: cannot read \/nonexistent\/mediamtx\.yml \(ENOENT\)/);
  assert.throws(() => localGatewayUrl({ ...config.http, port: 0 }), /http\.port: 0/);
  assert.equal(localGatewayUrl({ ...config.http, host: '0.0.0.0', port: 8080 }), 'http://127.0.0.1:8080');
});
