/**
 * The lifecycle contract (common/lifecycle/service-state.ts) for the gateway's services: the
 * pipeline manager, the gateway service, the control plane and the gateway process that wires
 * them. For each: two concurrent stop() calls get the same promise, which resolves only after the
 * real drain (each row says what "drained" means, observed from outside: no live child, broker
 * disconnected); `closed` resolves after stop and not before; start after stop is refused with
 * ServiceStoppedError. Real ffmpeg children (testsrc published into the RTSP stand-in, not
 * mediamtx) and a real mosquitto.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../common/config/load.ts';
import type { LookoutConfig } from '../../common/config/schema.ts';
import { ServiceStoppedError } from '../../common/lifecycle/service-state.ts';
import { silentLogger } from '../../common/log.ts';
import { isAlive } from '../../common/proc.ts';
import { ControlPlane } from '../../control/control-plane.ts';
import { GatewayProcess } from '../../appliance/gateway-process.ts';
import { startMosquitto, waitFor, type Mosquitto } from '../../test/support/brokers.ts';
import { tempDir, testsrcCamera, type TempDir } from '../../test/support/gateway-harness.ts';
import { startRtspStandIn, type RtspStandIn } from '../../test/support/rtsp-stand-in.ts';
import { GatewayService } from '../service.ts';

let mosquitto: Mosquitto;
let rtsp: RtspStandIn;
let dir: TempDir;

before(async () => {
  [mosquitto, rtsp] = await Promise.all([startMosquitto(), startRtspStandIn()]);
  dir = tempDir('lookout-contract-gw-');
});

after(async () => {
  await Promise.all([mosquitto.dispose(), rtsp.close()]);
  dir.remove();
});

let runs = 0;
function config(withBroker: boolean): LookoutConfig {
  runs++;
  return parseConfig(
    {
      log_level: 'warn',
      instance_id: `contract${runs}`,
      state_dir: `${dir.path}/run${runs}`,
      shutdown_timeout: '5s',
      http: { port: 0 },
      mediamtx: { enabled: false },
      pipelines: { stop_grace: '1s', publish_url: `rtsp://127.0.0.1:${rtsp.publishPort}`, publish_transport: 'udp' },
      cameras: [testsrcCamera('cam1')],
      ...(withBroker ? { mqtt: { url: mosquitto.url, topic_prefix: `contract${runs}`, home_assistant: { enabled: false } } } : {}),
      outbox: { fsync: 'never' },
    },
    { env: {} },
  );
}

interface Subject {
  start(): Promise<void>;
  stop(): Promise<unknown>;
  readonly closed: Promise<void>;
  /** Starts it and waits until stopping has real work to do. */
  load(): Promise<void>;
  /** True once the real drain is over, checked the moment stop() resolves. */
  drained(): boolean;
  /** Releases what the row built around the subject. */
  cleanup?(): Promise<void>;
}

async function runningChild(service: GatewayService): Promise<number> {
  await waitFor(() => service.manager.status('cam1').state === 'running', 30_000, 'cam1 running');
  const pid = service.manager.status('cam1').pid;
  assert.ok(pid !== undefined);
  return pid;
}

const rows: Array<{ name: string; make(): Subject }> = [
  {
    name: 'pipeline manager',
    make() {
      const service = new GatewayService(config(false));
      const manager = service.manager;
      let pid = 0;
      return {
        start: () => manager.start(),
        stop: () => manager.stop(5000),
        get closed() {
          return manager.closed;
        },
        load: async () => {
          await service.start();
          pid = await runningChild(service);
        },
        drained: () => manager.liveChildren().length === 0 && !isAlive(pid),
        cleanup: () => service.stop(),
      };
    },
  },
  {
    name: 'gateway service',
    make() {
      const service = new GatewayService(config(false));
      let pid = 0;
      return {
        start: () => service.start(),
        stop: () => service.stop(),
        get closed() {
          return service.closed;
        },
        load: async () => {
          await service.start();
          pid = await runningChild(service);
        },
        drained: () => !isAlive(pid) && !service.http.server.listening,
      };
    },
  },
  {
    name: 'control plane',
    make() {
      const plane = new ControlPlane({ config: config(true), logger: silentLogger(), role: 'gateway', reconnectMs: 200 });
      return {
        start: () => plane.start(),
        stop: () => plane.stop(2000),
        get closed() {
          return plane.closed;
        },
        load: async () => {
          await plane.start();
          await waitFor(() => plane.mqtt?.connected === true, 10_000, 'mqtt connected');
        },
        drained: () => plane.mqtt?.connected === false,
      };
    },
  },
  {
    name: 'gateway process',
    make() {
      const gateway = new GatewayProcess(config(true), silentLogger(), { reconnectMs: 200 });
      let pid = 0;
      return {
        start: () => gateway.start(),
        stop: () => gateway.stop(),
        get closed() {
          return gateway.closed;
        },
        load: async () => {
          await gateway.start();
          pid = await runningChild(gateway.service);
        },
        drained: () => !isAlive(pid) && gateway.control.mqtt?.connected === false,
      };
    },
  },
];

for (const row of rows) {
  void test(`lifecycle contract: ${row.name}`, { timeout: 90_000 }, async (t) => {
    const subject = row.make();
    t.after(() => subject.cleanup?.());
    await subject.load();
    let closed = false;
    void subject.closed.then(() => (closed = true));
    const first = subject.stop();
    const second = subject.stop();
    assert.equal(first, second, 'concurrent stop() calls share one promise');
    assert.equal(closed, false, 'closed does not resolve before the drain');
    const observed: boolean[] = [];
    await Promise.all([first.then(() => observed.push(subject.drained())), second.then(() => observed.push(subject.drained()))]);
    assert.deepEqual(observed, [true, true], 'both callers resolve only after the real drain');
    await subject.closed;
    assert.equal(closed, true);
    await assert.rejects(subject.start(), ServiceStoppedError, 'start after stop is refused');
  });
}
