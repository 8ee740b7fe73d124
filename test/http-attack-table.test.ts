/**
 * The HTTP attack table, against the real servers over TCP: the gateway (a testsrc camera
 * publishing into the RTSP stand-in, with the control plane's command route on the same server)
 * and the detector (real decoder on a clip, real onnxruntime pool), each with `http.token` set and
 * again without a token (the default). Raw `node:net` requests, so malformed request lines,
 * absolute-form targets, bad `%` encoding, huge headers and a foreign Host reach the server as sent.
 *
 * Every row checks its status and error envelope; after a refused write the camera is unchanged
 * (gateway: same pipeline pid, still running; detector: still running), after an accepted one
 * (the positive controls) it is paused and is then resumed. The table is printed at the end.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../common/config/load.ts';
import { silentLogger } from '../common/log.ts';
import { CommandTable } from '../control/commands/command-table.ts';
import { commandRoutes } from '../control/commands/http-commands.ts';
import { InferencePool } from '../detector/inference/inference-pool.ts';
import { MemorySink } from '../detector/publisher.ts';
import { DetectorService } from '../detector/service.ts';
import { ObjectTracker } from '../detector/track/index.ts';
import { renderClip, tempDir as detectorTempDir } from '../detector/test/clips.ts';
import { GatewayService } from '../gateway/service.ts';
import { attackRows, commandRows, type Expect, type Mode, type Row } from './support/attack-rows.ts';
import { tempDir, testConfig, testsrcCamera, waitUntil, type TempDir } from './support/gateway-harness.ts';
import { rawRequest, type RawReply } from './support/raw-http.ts';
import { startRtspStandIn, type RtspStandIn } from './support/rtsp-stand-in.ts';
import { tempStateDir } from './support/temp-state.ts';

const TOKEN = 'attack-table-token-5c1e';
const NO_HW = { renderNodes: [], ffmpegHwaccels: [], ffmpegDecoders: [], nvidiaDevice: false, v4l2m2mDevice: false };

/** What the table needs from a running server. */
interface Target {
  port: number;
  /** The state a refused write must leave alone (JSON, compared before/after). */
  snapshot(): string;
  paused(): boolean;
  /** Undo an accepted pause and wait until the camera runs again. */
  restore(): Promise<void>;
}

interface Result {
  server: string;
  mode: Mode;
  row: string;
  expected: Expect;
  got: string;
}

const results: Result[] = [];
let rtsp: RtspStandIn;
let dir: TempDir;
const clips = detectorTempDir();
const clip = join(clips.path, 'clip.mp4');

before(async () => {
  rtsp = await startRtspStandIn();
  dir = tempDir();
  await renderClip(clip, { width: 320, height: 240, fps: 10, seconds: 4, gop: 10 });
});

after(async () => {
  await rtsp.close();
  dir.remove();
  clips.dispose();
  const lines = results.map((r, i) => `| ${String(i + 1).padStart(3)} | ${r.server.padEnd(8)} | ${r.mode.padEnd(5)} | ${r.row.padEnd(58)} | ${`${r.expected[0]} ${r.expected[1] ?? ''}`.padEnd(27)} | ${r.got.padEnd(27)} |`);
  console.log(['', '| #   | server   | mode  | row'.padEnd(80) + ' | expected'.padEnd(30) + ' | got'.padEnd(30) + ' |', ...lines].join('\n'));
});

function describe(reply: RawReply): string {
  const body = reply.json as { status?: string; error?: { code?: string } } | undefined;
  return `${reply.status} ${body?.error?.code ?? body?.status ?? ''}`.trim();
}

function checkBody(row: Row, reply: RawReply, expected: Expect): void {
  const [status, code] = expected;
  assert.equal(reply.status, status, `${row.name}: status (${reply.text.slice(0, 200)})`);
  assert.ok(!reply.text.includes(TOKEN), `${row.name}: the token is never echoed`);
  if (code === null) return;
  const body = reply.json as Record<string, unknown> | undefined;
  if (code === 'ok' || code === 'accepted') {
    assert.equal(body?.status, 'ok', `${row.name}: ok body`);
    return;
  }
  assert.match(reply.headers['content-type'] ?? '', /^application\/json/, `${row.name}: JSON reply`);
  const error = body?.error as { code?: unknown; message?: unknown } | undefined;
  assert.deepEqual(Object.keys(body ?? {}).sort(), ['error', 'status'], `${row.name}: envelope keys`);
  assert.equal(body?.status, 'error', `${row.name}: envelope status`);
  assert.deepEqual(Object.keys(error ?? {}).sort(), ['code', 'message'], `${row.name}: error keys`);
  assert.equal(error?.code, code, `${row.name}: error code (${String(error?.message)})`);
  assert.ok(typeof error?.message === 'string' && error.message.length > 0, `${row.name}: a message`);
}

async function runTable(server: string, mode: Mode, target: Target, rows: Row[]): Promise<number> {
  let ran = 0;
  for (const row of rows) {
    const expected = row.expect[mode];
    if (!expected) continue;
    const before = target.snapshot();
    const reply = await rawRequest(target.port, row.build({ port: target.port, mode, token: TOKEN }));
    results.push({ server, mode, row: row.name, expected, got: describe(reply) });
    checkBody(row, reply, expected);
    if (row.write && expected[1] === 'accepted') {
      assert.ok(target.paused(), `${row.name}: the accepted pause paused the camera`);
      await target.restore();
    } else if (row.write) {
      assert.equal(target.snapshot(), before, `${row.name}: a refused write leaves the camera as it was`);
    }
    ran++;
  }
  return ran;
}

async function gatewayTable(mode: Mode): Promise<void> {
  const holder: { service?: GatewayService } = {};
  const manager = () => holder.service!.manager;
  const table = new CommandTable({
    cameras: ['cam1'],
    stream: { pause: (id) => manager().pause(id), resume: (id) => manager().resume(id), restart: (id) => manager().restart(id), status: (id) => (id ? manager().status(id) : manager().status()) },
  });
  const config = testConfig({
    stateDir: join(dir.path, mode),
    publishUrl: `rtsp://127.0.0.1:${rtsp.publishPort}`,
    http: { ...(mode === 'token' ? { token: TOKEN } : {}), body_limit_bytes: 4096, request_timeout: '1s' },
    cameras: [testsrcCamera('cam1')],
  });
  const service = new GatewayService(config, { logger: silentLogger(), routes: [async (app) => app.register(commandRoutes, { table })] });
  holder.service = service;
  try {
    await service.start();
    const running = () => service.manager.status('cam1').state === 'running' && service.manager.status('cam1').pid !== undefined;
    await waitUntil(running, 20_000, 'cam1 running');
    const target: Target = {
      port: service.port,
      snapshot: () => {
        const { state, pid, restarts } = service.manager.status('cam1');
        return JSON.stringify({ state, pid, restarts });
      },
      paused: () => service.manager.status('cam1').state === 'paused',
      restore: async () => {
        await service.manager.resume('cam1');
        await waitUntil(running, 20_000, 'cam1 running again');
      },
    };
    const ran = await runTable('gateway', mode, target, [...attackRows({ list: '/api/v1/cameras', listOk: 'ok' }), ...commandRows()]);
    assert.ok(ran >= 40, `${ran} rows`);
  } finally {
    await service.stop();
  }
  assert.deepEqual(service.manager.liveChildren(), []);
}

async function detectorTable(mode: Mode): Promise<void> {
  const config = parseConfig({
    state_dir: tempStateDir(),
    shutdown_timeout: '10s',
    // The detector inherits the gateway's http.token (and limits) unless detector.http sets its own.
    http: { ...(mode === 'token' ? { token: TOKEN } : {}), body_limit_bytes: 4096, request_timeout: '1s' },
    pipelines: { stop_grace: '2s', backoff_initial: '100ms', backoff_max: '500ms' },
    cameras: [{ id: 'cam1', source: `file://${clip}`, detect: { fps: 2, read_from: 'source', decode: 'all' } }],
    detector: { hwaccel: 'none', workers: 1, threads: 1, http: { host: '127.0.0.1', port: 0 } },
  });
  const service = await new DetectorService({
    config,
    logger: silentLogger(),
    sink: new MemorySink(50),
    createPool: (options) => InferencePool.create(options),
    createTracker: () => new ObjectTracker(),
    hwaccelEnvironment: NO_HW,
  }).start();
  try {
    const state = () => service.status('cam1').cameras[0]?.state;
    const target: Target = {
      port: service.httpPort ?? 0,
      snapshot: () => JSON.stringify({ state: state() }),
      paused: () => state() === 'paused',
      restore: async () => {
        await service.resumeCamera('cam1');
        await waitUntil(() => state() === 'running', 20_000, 'detector cam1 running again');
      },
    };
    assert.equal(state(), 'running');
    const ran = await runTable('detector', mode, target, attackRows({ list: '/api/v1/detect/cameras', listOk: null }));
    assert.ok(ran >= 40, `${ran} rows`);
  } finally {
    await service.stop();
  }
}

void test('attack table: gateway with http.token', () => gatewayTable('token'));
void test('attack table: gateway without a token (default)', () => gatewayTable('open'));
void test('attack table: detector with the token inherited from http.token', () => detectorTable('token'));
void test('attack table: detector without a token (default)', () => detectorTable('open'));
