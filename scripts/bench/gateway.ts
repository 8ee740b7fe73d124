/**
 * `npm run bench:gateway [-- --cycles N --cameras N --limit N]`: pause/resume soak of the real
 * gateway (real ffmpeg testsrc pipelines publishing over UDP into the rtsp-streaming-server
 * stand-in, which is NOT mediamtx), driven through the HTTP API. Prints ONE JSON object.
 *
 * - pause_ms: POST pause until it returns (child exit observed, slot free).
 * - resume_ms: POST resume until it returns (first ffmpeg progress = first published frame).
 * - leaked_children: ffmpeg processes below this one after the final shutdown, plus children of
 *   paused cycles still alive afterwards.
 * - leaked_fds / rss_growth_mb: this process after the cycles minus after a warm-up cycle, both
 *   measured with the same pipelines running (RSS after a forced GC).
 * - shutdown_ms: service.stop() with as many pipelines running as the limit permits.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { descendants, isAlive, openFdCount } from '../../common/proc.ts';
import { GatewayService } from '../../gateway/service.ts';
import { api, tempDir, testConfig, testsrcCamera, waitUntil } from '../../test/support/gateway-harness.ts';
import { startRtspStandIn } from '../../test/support/rtsp-stand-in.ts';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '200' },
    cameras: { type: 'string', default: '4' },
    limit: { type: 'string', default: '2' },
  },
});
const cycles = Number(values.cycles);
const cameraCount = Number(values.cameras);
const limit = Number(values.limit);
for (const [name, value] of Object.entries({ cycles, cameras: cameraCount, limit })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer (got ${String(value)})`);
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 10) / 10;
}

function rssMb(): number {
  gc();
  return process.memoryUsage.rss() / 1024 / 1024;
}

function liveFfmpeg(): number[] {
  return descendants(process.pid).filter((pid) => {
    try {
      return isAlive(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'ffmpeg';
    } catch {
      return false;
    }
  });
}

async function timed(call: () => Promise<{ status: number; body: unknown }>, what: string): Promise<number> {
  const started = performance.now();
  const reply = await call();
  const ms = performance.now() - started;
  if (reply.status !== 200) throw new Error(`${what} failed with ${reply.status}: ${JSON.stringify(reply.body)}`);
  return ms;
}

const rtsp = await startRtspStandIn();
const dir = tempDir('lookout-bench-');
const ids = Array.from({ length: cameraCount }, (_unused, index) => `cam${index + 1}`);
const config = testConfig({
  stateDir: dir.path,
  publishUrl: `rtsp://127.0.0.1:${rtsp.publishPort}`,
  pipelines: { limit },
  cameras: ids.map((id) => testsrcCamera(id)),
});
const service = new GatewayService(config);
const pauseMs: number[] = [];
const resumeMs: number[] = [];
const pausedPids: number[] = [];
let result: Record<string, unknown> = {};
try {
  await service.start();
  const port = service.port;
  const running = ids.slice(0, Math.min(limit, cameraCount));
  const extra = ids.slice(running.length);
  // Cameras beyond the limit are paused so a freed slot is not handed to them mid-cycle.
  for (const id of extra) await timed(() => api(port, 'POST', `/api/v1/cameras/${id}/pause`), `pause ${id}`);
  await waitUntil(() => running.every((id) => service.manager.status(id).state === 'running'), 30_000, 'pipelines running');

  const cycle = async (id: string, record: boolean) => {
    const pid = service.manager.status(id).pid;
    const paused = await timed(() => api(port, 'POST', `/api/v1/cameras/${id}/pause`), `pause ${id}`);
    const resumed = await timed(() => api(port, 'POST', `/api/v1/cameras/${id}/resume`), `resume ${id}`);
    if (record) {
      pauseMs.push(paused);
      resumeMs.push(resumed);
      if (pid !== undefined) pausedPids.push(pid);
    }
  };
  // Warm-up: JIT, fastify and undici pools, ffmpeg page cache; baselines are taken after it.
  for (let index = 0; index < Math.max(running.length, 10); index++) await cycle(running[index % running.length] as string, false);
  const fdsBefore = openFdCount();
  const rssBefore = rssMb();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let index = 0; index < cycles; index++) {
    await cycle(running[index % running.length] as string, true);
    if (process.env.BENCH_TRACE && index % 25 === 24) process.stderr.write(`cycle ${index + 1}: rss ${rssMb().toFixed(1)} MB heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(1)} MB\n`);
  }
  await waitUntil(() => running.every((id) => service.manager.status(id).state === 'running'), 30_000, 'pipelines running again');
  const fdsAfter = openFdCount();
  const rssAfter = rssMb();
  const heapAfter = process.memoryUsage().heapUsed;

  const started = performance.now();
  await service.stop();
  const shutdownMs = performance.now() - started;
  await waitUntil(() => liveFfmpeg().length === 0, 2_000, 'children gone').catch(() => undefined);
  result = {
    cycles,
    cameras: cameraCount,
    limit,
    pipelines_running_at_shutdown: running.length,
    pause_ms_p50: percentile(pauseMs, 50),
    pause_ms_p99: percentile(pauseMs, 99),
    resume_ms_p50: percentile(resumeMs, 50),
    resume_ms_p99: percentile(resumeMs, 99),
    leaked_children: liveFfmpeg().length + pausedPids.filter((pid) => isAlive(pid)).length,
    leaked_fds: fdsAfter - fdsBefore,
    rss_growth_mb: Math.round((rssAfter - rssBefore) * 100) / 100,
    heap_growth_mb: Math.round(((heapAfter - heapBefore) / 1024 / 1024) * 100) / 100,
    shutdown_ms: Math.round(shutdownMs),
  };
} finally {
  await service.stop().catch(() => undefined);
  await rtsp.close();
  dir.remove();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
