// The lifecycle contract (common/lifecycle/service-state.ts), table-driven over every service that
// follows it: two concurrent stop() calls get the same promise, which resolves only after the
// real drain (each row says what "drained" means for it, observed from outside); `closed` resolves
// after stop and not before; start after stop is refused with ServiceStoppedError. Real things only:
// a real child process, a real disk log, real onnxruntime workers; mediamtx is the FAKE
// (test/fixtures/fake-mediamtx), since the real binary is not available here.
// Add a row for a new service. The gateway's services (pipeline manager, gateway, control plane,
// gateway process) have their rows in gateway/test/lifecycle-contract.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ChildRestarter } from '../../appliance/child-restarter.ts';
import { CircuitBreaker } from '../../control/outbox/circuit-breaker.ts';
import { Outbox } from '../../control/outbox/outbox.ts';
import { InferencePool } from '../../detector/inference/inference-pool.ts';
import { MemorySink } from '../../detector/publisher.ts';
import { DetectorService } from '../../detector/service.ts';
import { ObjectTracker } from '../../detector/track/index.ts';
import { renderClip } from '../../detector/test/clips.ts';
import { liveChildren } from '../../detector/test/leak-probe.ts';
import { parseConfig } from '../config/load.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';
import { MediamtxSidecar } from '../../gateway/mediamtx/sidecar.ts';
import { freePort } from '../../test/support/free-port.ts';
import { ServiceStoppedError } from '../lifecycle/service-state.ts';
import { sleep } from '../lifecycle/sleep.ts';
import { silentLogger } from '../log.ts';
import { isAlive } from '../proc.ts';

const FAKE_MEDIAMTX = fileURLToPath(new URL('../../test/fixtures/fake-mediamtx/fake-mediamtx.mjs', import.meta.url));
const FLAKY_CHILD = fileURLToPath(new URL('../../appliance/test/fixtures/flaky-child.mjs', import.meta.url));
const MODEL = fileURLToPath(new URL('../../test/fixtures/models/boxes-yolov8.onnx', import.meta.url));

interface Subject {
  start(): Promise<unknown> | void;
  stop(): Promise<unknown>;
  readonly closed: Promise<void>;
  /** Starts it and brings it into a state where stopping has real work to do. */
  load(): Promise<void>;
  /** True once the real drain is over (checked the moment stop() resolves). */
  drained(): Promise<boolean> | boolean;
  cleanup(): Promise<void>;
}

interface Row {
  name: string;
  make(): Promise<Subject>;
}

async function waitFor(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const rows: Row[] = [
  {
    name: 'mediamtx sidecar (FAKE mediamtx)',
    async make() {
      const dir = await mkdtemp(join(tmpdir(), 'lookout-contract-mtx-'));
      const port = await freePort();
      const configFile = join(dir, 'mediamtx.yml');
      await writeFile(configFile, `api: yes\napiAddress: 127.0.0.1:${port}\n`);
      const sidecar = new MediamtxSidecar({
        bin: FAKE_MEDIAMTX,
        configFile,
        apiUrl: `http://127.0.0.1:${port}`,
        readyTimeoutMs: 20_000,
        stopGraceMs: 3000,
        apiTimeoutMs: 1000,
        backoff: { initialMs: 50, maxMs: 200, resetAfterMs: 60_000 },
        logger: silentLogger(),
        cwd: dir,
        readyPollMs: 50,
      });
      let pid: number | undefined;
      return {
        start: () => sidecar.start(),
        stop: () => sidecar.stop(),
        get closed() {
          return sidecar.closed;
        },
        async load() {
          sidecar.start();
          await sidecar.waitReady(20_000);
          pid = sidecar.pid;
        },
        drained: () => pid !== undefined && !isAlive(pid) && sidecar.pid === undefined,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: "child restarter (lookout up's detector child)",
    async make() {
      let output = '';
      const restarter = new ChildRestarter({
        spec: { name: 'contract-child', command: process.execPath, args: [FLAKY_CHILD, 'run'], termGraceMs: 2000, onStdout: (chunk) => (output += chunk.toString()) },
        backoff: { initialMs: 100, maxMs: 400, resetAfterMs: 60_000 },
      });
      let pid: number | undefined;
      return {
        start: () => restarter.start(),
        stop: () => restarter.stop(),
        get closed() {
          return restarter.closed;
        },
        async load() {
          restarter.start();
          await waitFor(() => output.includes('ready') && restarter.child?.pid !== undefined, 20_000, 'the child to say ready');
          pid = restarter.child?.pid;
        },
        drained: () => pid !== undefined && !isAlive(pid),
        cleanup: async () => {},
      };
    },
  },
  {
    name: 'outbox',
    async make() {
      const dir = await mkdtemp(join(tmpdir(), 'lookout-contract-outbox-'));
      const outbox = new Outbox({ dir, logger: silentLogger(), memoryItems: 10, diskBytes: 1 << 20, overflow: 'drop-oldest', fsync: 'never' });
      let sent = 0;
      return {
        start: () => outbox.start(),
        stop: () => outbox.stop(),
        get closed() {
          return outbox.closed;
        },
        async load() {
          outbox.start();
          outbox.addSink({
            name: 'slow',
            breaker: new CircuitBreaker({ name: 'slow' }),
            send: async () => {
              await sleep(50);
              sent++;
            },
          });
          for (let i = 0; i < 20; i++) outbox.enqueue('event', `id-${i}`, { i });
        },
        // Drained: every enqueued item is on disk and a cursor file was written.
        drained: async () => outbox.persistedThrough === 20 && (await readdir(dir)).includes('cursor-slow.json') && sent > 0,
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'inference pool (real onnxruntime)',
    async make() {
      const pool = new InferencePool({ modelPath: MODEL, threads: 1, workers: 1, timeoutMs: 20_000 });
      let inflight: Promise<unknown> | undefined;
      let settled = false;
      return {
        start: () => pool.start(),
        stop: () => pool.stop(),
        get closed() {
          return pool.closed;
        },
        async load() {
          await pool.start();
          const { inputWidth, inputHeight } = pool.info;
          const frame = { data: new Uint8Array(inputWidth * inputHeight * 3), letterbox: { scale: 1, padX: 0, padY: 0, srcWidth: inputWidth, srcHeight: inputHeight } };
          inflight = pool.infer(frame, { minScore: 0.5, iouThreshold: 0.45 }, { delayMs: 300 }).finally(() => (settled = true));
          inflight.catch(() => {});
        },
        // Drained: the inference in flight when stop() began has settled (answered, not dropped).
        drained: async () => {
          const finished = settled;
          await inflight?.catch(() => {});
          return finished;
        },
        cleanup: async () => {},
      };
    },
  },
  {
    name: 'detector service (real ffmpeg decoder, real onnxruntime)',
    async make() {
      const dir = await mkdtemp(join(tmpdir(), 'lookout-contract-det-'));
      const clip = join(dir, 'clip.mp4');
      await renderClip(clip, { width: 320, height: 180, fps: 10, seconds: 4, gop: 10, boxes: [] });
      const config = parseConfig({
        state_dir: tempStateDir(),
        shutdown_timeout: '10s',
        cameras: [{ id: 'yard', source: `file://${clip}`, detect: { fps: 5, read_from: 'source', decode: 'all', motion_gate: false } }],
        detector: { hwaccel: 'none', workers: 1, threads: 1, model: MODEL },
      });
      const sink = new MemorySink(100);
      const service = new DetectorService({ config, logger: silentLogger(), sink, createPool: (options) => InferencePool.create(options), createTracker: () => new ObjectTracker(), http: false, pictures: false });
      return {
        start: () => service.start(),
        stop: () => service.stop(),
        get closed() {
          return service.closed;
        },
        async load() {
          await service.start();
          await sink.waitForFrames(3, 60_000);
        },
        // Drained: the decoder child is gone (observed in /proc) and the camera reports stopped.
        drained: () => liveChildren().every((child) => !child.includes('ffmpeg')) && service.status('yard').cameras[0]?.state === 'stopped',
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
];

for (const row of rows) {
  void test(`lifecycle contract: ${row.name}`, async () => {
    const subject = await row.make();
    try {
      await subject.load();
      let closed = false;
      void subject.closed.then(() => (closed = true));
      await sleep(10);
      assert.equal(closed, false, 'closed must not resolve before stop');
      const first = subject.stop();
      const second = subject.stop();
      assert.equal(first, second, 'concurrent stop() calls share one promise');
      await first;
      assert.equal(await subject.drained(), true, 'stop() resolved before the real drain was over');
      await subject.closed;
      assert.equal(subject.stop(), first, 'a late stop() gets the same promise');
      await assert.rejects(async () => subject.start(), ServiceStoppedError);
    } finally {
      await subject.stop().catch(() => {});
      await subject.cleanup();
    }
  });
}
