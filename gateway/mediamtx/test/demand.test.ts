// On-demand leases end to end without mediamtx: the REAL demand hook process
// (`node bin/lookout.js demand <camera>`) against the demand endpoint on a real fastify server,
// backed by the REAL PipelineManager spawning the `forever` publisher fixture (limit 1).
// mediamtx's part is played by this test: it starts the hook and sends SIGINT to its group (§6.3),
// with LOOKOUT_DEMAND_SECRET_FILE in its environment as the sidecar / mediamtx.service set it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { silentLogger } from '../../../common/log.ts';
import { isAlive } from '../../../common/proc.ts';
import { camera, fixtureSpec, makeManager, waitFor } from '../../test/pipeline-helpers.ts';
import { createBootSecrets, DEMAND_SECRET_ENV, DEMAND_SECRET_HEADER } from '../boot-secrets.ts';
import { DemandLeases, mediamtxDemandPlugin } from '../demand-endpoint.ts';

// The per-boot secret of this test's "gateway", in a 0600 file as the integration writes it.
const secretDir = mkdtempSync(join(tmpdir(), 'lookout-demand-'));
const boot = createBootSecrets(secretDir);
await boot.write();
process.once('exit', () => rmSync(secretDir, { recursive: true, force: true }));

const LOOKOUT = fileURLToPath(new URL('../../../bin/lookout.js', import.meta.url));

interface Hook {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** Starts the hook the way mediamtx does: its own process group, no shell. */
/** `secretFile` null: the variable is not set at all. */
function startHook(cameraId: string, gateway: string, secretFile: string | null = boot.demandFile): Hook {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[DEMAND_SECRET_ENV];
  if (secretFile !== null) env[DEMAND_SECRET_ENV] = secretFile;
  const child = spawn(process.execPath, [LOOKOUT, 'demand', cameraId, '--gateway', gateway], { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, stderr: () => stderr, exit };
}

async function setup(keepaliveMs = 2000) {
  const pm = makeManager({
    cameras: [camera('door', { mode: 'on-demand', startTimeoutMs: 10_000 }), camera('yard', { mode: 'on-demand', startTimeoutMs: 10_000 })],
    launch: () => fixtureSpec('forever'),
    limit: 1,
  });
  await pm.manager.start();
  const leases = new DemandLeases();
  const app = Fastify();
  await app.register(mediamtxDemandPlugin, { manager: pm.manager, logger: silentLogger(), keepaliveMs, secret: boot.demand, leases });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const hooks: Hook[] = [];
  const cleanup = async () => {
    for (const hook of hooks) if (hook.child.exitCode === null && hook.child.signalCode === null) hook.child.kill('SIGKILL');
    await Promise.all(hooks.map((hook) => hook.exit));
    await app.close();
    await pm.close();
  };
  return { manager: pm.manager, leases, app, url, hooks, cleanup };
}

void test('the hook holds a lease; at the limit another camera is refused at once; SIGINT exits promptly and frees the slot', async () => {
  const { manager, leases, url, hooks, cleanup } = await setup();
  try {
    const door = startHook('door', url);
    hooks.push(door);
    await waitFor('the door lease', () => leases.size === 1 && manager.slots().inUse === 1, 15_000);
    await waitFor('the door pipeline child', () => manager.liveChildren().length === 1, 10_000);

    // Refusal is immediate at the HTTP level...
    const refusedAt = Date.now();
    const refused = await fetch(`${url}/mediamtx/demand/yard`, { method: 'POST', headers: { [DEMAND_SECRET_HEADER]: boot.demand }, signal: AbortSignal.timeout(5000) });
    const refusalMs = Date.now() - refusedAt;
    assert.equal(refused.status, 409);
    assert.ok(refusalMs < 1000, `refusal took ${refusalMs} ms`);
    await refused.body?.cancel();
    // ...and the real hook process exits non-zero.
    const yard = startHook('yard', url);
    hooks.push(yard);
    const yardExit = await yard.exit;
    assert.equal(yardExit.code, 2);
    assert.match(yard.stderr(), /refused \(HTTP 409\)/);
    const unknown = startHook('nope', url);
    hooks.push(unknown);
    assert.equal((await unknown.exit).code, 2);
    assert.match(unknown.stderr(), /HTTP 404/);

    // mediamtx stops a hook with SIGINT to its process group.
    const sentAt = Date.now();
    process.kill(-door.child.pid!, 'SIGINT');
    const doorExit = await door.exit;
    const exitMs = doorExit.at - sentAt;
    assert.equal(doorExit.code, 0);
    assert.ok(exitMs < 1000, `hook exit after SIGINT took ${exitMs} ms`);
    console.log(`# demand hook: refusal ${refusalMs} ms, exit after SIGINT ${exitMs} ms`);
    await waitFor('lease and slot released', () => leases.size === 0 && manager.slots().inUse === 0, 10_000);
    await waitFor('the door child gone', () => manager.liveChildren().length === 0, 10_000);
  } finally {
    await cleanup();
  }
});

void test('a hook that dies (SIGKILL) has its lease reclaimed', async () => {
  const { manager, leases, url, hooks, cleanup } = await setup();
  try {
    const door = startHook('door', url);
    hooks.push(door);
    await waitFor('the door lease', () => leases.size === 1, 15_000);
    process.kill(-door.child.pid!, 'SIGKILL');
    await door.exit;
    await waitFor('lease reclaimed', () => leases.size === 0 && manager.slots().inUse === 0, 10_000);
  } finally {
    await cleanup();
  }
});

void test('the hook exits non-zero at once when the gateway goes away', async () => {
  const { leases, app, url, hooks, cleanup } = await setup();
  try {
    const door = startHook('door', url);
    hooks.push(door);
    await waitFor('the door lease', () => leases.size === 1, 15_000);
    const closedAt = Date.now();
    await app.close();
    const exit = await door.exit;
    assert.equal(exit.code, 3);
    assert.ok(exit.at - closedAt < 3000, `hook noticed the gateway going after ${exit.at - closedAt} ms`);
  } finally {
    await cleanup();
  }
  const gone = startHook('door', url);
  assert.equal((await gone.exit).code, 3, 'no gateway at all: exit 3');
  assert.match(gone.stderr(), /gateway unreachable \(ECONNREFUSED\)/);
});

void test('the hook releases its lease when its parent (mediamtx) is SIGKILLed and it is orphaned', async () => {
  const { leases, url, hooks, cleanup } = await setup();
  try {
    // A stand-in parent: sh starts the hook in the background, prints its pid, and waits.
    const parent = spawn('sh', ['-c', `"${process.execPath}" "${LOOKOUT}" demand door --gateway ${url} 2>/dev/null & echo $!; wait`], {
      detached: true,
      env: { ...process.env, [DEMAND_SECRET_ENV]: boot.demandFile },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const parentExit = new Promise((resolve) => parent.once('exit', resolve));
    hooks.push({ child: parent, stderr: () => '', exit: parentExit.then(() => ({ code: 0, signal: null, at: Date.now() })) });
    const hookPid = await new Promise<number>((resolve) => parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(String(chunk).trim()))));
    await waitFor('the door lease', () => leases.size === 1, 15_000);
    parent.kill('SIGKILL'); // only the parent: the hook is orphaned, as when mediamtx is SIGKILLed
    await parentExit;
    await waitFor('orphaned hook exits and its lease is reclaimed', () => leases.size === 0 && !isAlive(hookPid), 10_000);
  } finally {
    await cleanup();
  }
});

void test('the hook gives up when keepalives stop (a silent server that granted a lease)', async () => {
  const silent = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(`${JSON.stringify({ type: 'granted', lease: '1', keepaliveMs: 300 })}\n`);
    req.on('close', () => res.destroy());
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const hook = startHook('door', `http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
    const exit = await hook.exit;
    assert.equal(exit.code, 3);
    assert.match(hook.stderr(), /no keepalive from the gateway for 300 ms/);
  } finally {
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});

void test('the demand secret: without it or with a wrong one the gateway refuses (401 envelope, no lease); with it the lease is taken', async () => {
  const { manager, leases, url, hooks, cleanup } = await setup();
  try {
    const post = (headers: Record<string, string>) => fetch(`${url}/mediamtx/demand/door`, { method: 'POST', headers, signal: AbortSignal.timeout(5000) });
    const attempts: Array<Record<string, string>> = [{}, { [DEMAND_SECRET_HEADER]: '' }, { [DEMAND_SECRET_HEADER]: `${boot.demand}x` }, { authorization: `Bearer ${boot.demand}` }];
    for (const headers of attempts) {
      const reply = await post(headers);
      assert.equal(reply.status, 401, JSON.stringify(Object.keys(headers)));
      const envelope = (await reply.json()) as { status: string; error: { code: string; message: string } };
      assert.equal(envelope.status, 'error');
      assert.equal(envelope.error.code, 'unauthorized');
      assert.match(envelope.error.message, /missing or wrong demand hook secret/);
      assert.equal(envelope.error.message.includes(boot.demand), false);
    }
    assert.equal(leases.size, 0);
    assert.equal(manager.slots().inUse, 0, 'no slot taken by a refused caller');

    // The real hook: no variable → refused before contacting anything; a file with another secret → HTTP 401.
    const unset = startHook('door', url, null);
    hooks.push(unset);
    assert.equal((await unset.exit).code, 2);
    assert.match(unset.stderr(), /LOOKOUT_DEMAND_SECRET_FILE is not set/);
    const missing = startHook('door', url, join(secretDir, 'no-such-file'));
    hooks.push(missing);
    assert.equal((await missing.exit).code, 2);
    assert.match(missing.stderr(), /cannot read LOOKOUT_DEMAND_SECRET_FILE=.*\(ENOENT\)/);
    const stale = join(secretDir, 'stale.secret');
    writeFileSync(stale, 'a-secret-from-a-previous-boot\n', { mode: 0o600 });
    const wrong = startHook('door', url, stale);
    hooks.push(wrong);
    assert.equal((await wrong.exit).code, 2);
    assert.match(wrong.stderr(), /refused \(HTTP 401\).*missing or wrong demand hook secret/);
    assert.equal(wrong.stderr().includes('a-secret-from-a-previous-boot'), false, 'the hook never prints the secret');
    assert.equal(leases.size, 0);

    const good = startHook('door', url);
    hooks.push(good);
    await waitFor('the door lease with the right secret', () => leases.size === 1 && manager.slots().inUse === 1, 15_000);
    assert.equal(good.stderr().includes(boot.demand), false);
    process.kill(-good.child.pid!, 'SIGINT');
    assert.equal((await good.exit).code, 0);
    await waitFor('released', () => leases.size === 0 && manager.slots().inUse === 0, 10_000);
  } finally {
    await cleanup();
  }
});
