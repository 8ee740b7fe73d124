/**
 * Benchmark of the mediamtx integration's hot paths (no mediamtx needed). Prints one JSON object.
 * - auth: decisions per second through the real fastify endpoint (inject), by kind; an uncached
 *   viewer read pays one scrypt (N=16384), a cached one (60 s) does not.
 * - demand: N cycles of the REAL hook process (`node bin/lookout.js demand`): spawn → lease granted
 *   → SIGINT to its group → exit; latency of the exit and of the lease release, and leftovers.
 * Run: node --import tsx scripts/bench/mediamtx.ts [cycles]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/log.ts';
import { hashPassword } from '../../common/password.ts';
import { SlotPool } from '../../gateway/pipeline/slot-pool.ts';
import { mediamtxAuthPlugin } from '../../gateway/mediamtx/auth-endpoint.ts';
import { createBootSecrets, DEMAND_SECRET_ENV } from '../../gateway/mediamtx/boot-secrets.ts';
import { DemandLeases, mediamtxDemandPlugin } from '../../gateway/mediamtx/demand-endpoint.ts';
import { PublishCredentials } from '../../gateway/mediamtx/publish-credentials.ts';
import { VerifiedCache } from '../../gateway/mediamtx/verified-cache.ts';

const LOOKOUT = fileURLToPath(new URL('../../bin/lookout.js', import.meta.url));
const cycles = Number(process.argv[2] ?? 20);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 10) / 10;
}

async function benchAuth(cacheTtlMs: number) {
  const credentials = new PublishCredentials();
  const apiCredential = { user: 'lookout-api', password: 'bench-api-secret' };
  const app = Fastify();
  await app.register(mediamtxAuthPlugin, {
    logger: silentLogger(),
    registry: new Registry(),
    cameraIds: ['cam'],
    viewers: [{ user: 'alice', password_hash: await hashPassword('alice-password'), cameras: [] }],
    detector: { user: 'det', password: 'detector-password' },
    publishCredentials: credentials,
    apiCredential,
    verifiedCache: new VerifiedCache(cacheTtlMs),
  });
  const base = { ip: '127.0.0.1', token: '', path: 'cam', protocol: 'rtsp', id: null, query: '', userAgent: 'bench' };
  const kinds = {
    api: { ...base, ...apiCredential, action: 'api', path: '', protocol: '' },
    // A publish credential is accepted once: each publish gets a fresh one (as each pipeline attempt does).
    publish: { ...base, action: 'publish' },
    detectorRead: { ...base, user: 'det', password: 'detector-password', action: 'read' },
    viewerRead: { ...base, user: 'alice', password: 'alice-password', action: 'read' },
  };
  const out: Record<string, { n: number; perSecond: number; p50Ms: number; p99Ms: number }> = {};
  for (const [kind, payload] of Object.entries(kinds)) {
    const n = kind === 'viewerRead' && cacheTtlMs === 0 ? 30 : 2000;
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const fresh = kind === 'publish' ? credentials.issue('cam') : {};
      const response = await app.inject({ method: 'POST', url: '/mediamtx/auth', remoteAddress: '127.0.0.1', payload: { ...payload, ...fresh } });
      if (response.statusCode !== 200) throw new Error(`${kind}: HTTP ${response.statusCode}`);
      latencies.push(performance.now() - t0);
    }
    const seconds = (performance.now() - started) / 1000;
    out[kind] = { n, perSecond: Math.round(n / seconds), p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
  }
  await app.close();
  return out;
}

async function benchDemand() {
  const pool = new SlotPool(1);
  const leases = new DemandLeases();
  const manager = {
    acquireDemand: async (id: string) => {
      const lease = pool.tryAcquire(id);
      if (!lease) throw Object.assign(new Error(`all ${pool.limit} slots in use`), { name: 'SlotsExhaustedError' });
      return { release: async () => lease.release() };
    },
  };
  const stateDir = mkdtempSync(join(tmpdir(), 'lookout-bench-'));
  const boot = createBootSecrets(stateDir);
  await boot.write();
  const app = Fastify();
  await app.register(mediamtxDemandPlugin, { manager, logger: silentLogger(), keepaliveMs: 2000, secret: boot.demand, leases });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const exitMs: number[] = [];
  const releaseMs: number[] = [];
  const grantMs: number[] = [];
  const waitUntil = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 15_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timeout: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  for (let i = 0; i < cycles; i++) {
    const spawnedAt = performance.now();
    const child = spawn(process.execPath, [LOOKOUT, 'demand', 'cam', '--gateway', url], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, [DEMAND_SECRET_ENV]: boot.demandFile },
    });
    const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));
    await waitUntil(() => leases.size === 1, 'lease');
    grantMs.push(performance.now() - spawnedAt);
    const sentAt = performance.now();
    process.kill(-child.pid!, 'SIGINT');
    exitMs.push((await exited) - sentAt);
    await waitUntil(() => leases.size === 0 && pool.inUse === 0, 'release');
    releaseMs.push(performance.now() - sentAt);
  }
  await app.close();
  rmSync(stateDir, { recursive: true, force: true });
  return {
    cycles,
    spawnToLeaseMs: { p50: percentile(grantMs, 50), p99: percentile(grantMs, 99) },
    sigintToExitMs: { p50: percentile(exitMs, 50), p99: percentile(exitMs, 99), max: percentile(exitMs, 100) },
    sigintToReleaseMs: { p50: percentile(releaseMs, 50), p99: percentile(releaseMs, 99) },
    leftover: { leases: leases.size, slotsInUse: pool.inUse },
  };
}

const auth = { ...(await benchAuth(60_000)), viewerReadUncached: (await benchAuth(0)).viewerRead };
const demand = await benchDemand();
process.stdout.write(`${JSON.stringify({ bench: 'mediamtx', auth, demand })}\n`);
