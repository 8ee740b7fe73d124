/**
 * End to end with the real gateway PipelineManager (fixture publisher executables from
 * test/fixtures/bin) behind a gateway-role control plane on a real mosquitto and nats-server:
 * pause/resume over MQTT and NATS really stops and restarts children, states follow lifetimes,
 * and the type contracts with the gateway and the detector hold (compile-time checks).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/log.ts';
import type { DetectionSink } from '../../detector/publisher.ts';
import type { DetectorService } from '../../detector/service.ts';
import { PipelineManager } from '../../gateway/pipeline/pipeline-manager.ts';
import { startMosquitto, startNatsServer, type Mosquitto, type NatsServer } from '../../test/support/brokers.ts';
import { ControlPlane } from '../control-plane.ts';
import { detectControlFrom, type StreamControl } from '../commands/controls.ts';
import { forwardStreamStates } from '../events/stream-state.ts';
import { collect, tempDir, testClient, testConfig, until } from './helpers.ts';

// Compile-time contracts: the real services fit the control plane's interfaces.
export type StreamContract = PipelineManager extends StreamControl ? true : never;
export type SinkContract = ControlPlane extends DetectionSink ? true : never;
export const detectorAdapts = (service: DetectorService) => detectControlFrom(service);

const FOREVER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'bin', 'forever');
let mosquitto: Mosquitto;
let nats: NatsServer;
let nc: NatsConnection;
before(async () => {
  [mosquitto, nats] = await Promise.all([startMosquitto(), startNatsServer()]);
  nc = await connect({ servers: nats.url });
});
after(async () => {
  await nc.close();
  await Promise.all([mosquitto.dispose(), nats.dispose()]);
});

void test('pause/resume over MQTT and NATS drive real pipeline children; stream state follows', { timeout: 90_000 }, async (t) => {
  const managerDir = mkdtempSync(join(tmpdir(), 'lookout-ctl-pm-'));
  const manager = new PipelineManager({
    cameras: [
      { id: 'cam1', mode: 'always', stallTimeoutMs: 3000, startTimeoutMs: 5000 },
      { id: 'cam2', mode: 'always', stallTimeoutMs: 3000, startTimeoutMs: 5000 },
    ],
    limit: 2,
    launch: () => ({ command: FOREVER, args: [], quitInput: 'q' }),
    stopGraceMs: 500,
    backoff: { initialMs: 50, maxMs: 200, resetAfterMs: 5000 },
    stateDir: managerDir,
    logger: silentLogger(),
  });
  t.after(async () => {
    await manager.stop(5000);
    rmSync(managerDir, { recursive: true, force: true });
  });
  const config = testConfig({ stateDir: tempDir(t), mqttUrl: mosquitto.url, natsUrl: nats.url });
  const plane = new ControlPlane({ config, logger: silentLogger(), stream: manager, registry: new Registry(), reconnectMs: 200 });
  const unforward = forwardStreamStates(manager, (camera, update) => plane.publishStreamState(camera, update));
  t.after(async () => {
    unforward();
    await plane.stop(2000);
  });
  await plane.start();
  await manager.start();
  await until(() => manager.status('cam1').state === 'running', 15_000, 'cam1 running');
  const observer = await testClient(t, mosquitto.url);
  const states = await collect(observer, 'lookout/cam1/stream/state');
  const commander = await testClient(t, mosquitto.url);
  for (let cycle = 0; cycle < 6; cycle++) {
    await commander.publishAsync('lookout/cam1/stream/set', 'OFF', { qos: 1 });
    await until(() => manager.status('cam1').state === 'paused', 10_000, 'paused via MQTT');
    assert.equal(manager.status('cam1').pid, undefined, 'no child while paused');
    await until(() => states.at(-1)?.payload === 'OFF', 5000, 'state OFF');
    const reply = (await nc.request('lookout.site1.control.cam1.resume', '{"id":"n"}', { timeout: 15_000 })).json<{ status: string; id: string }>();
    assert.equal(reply.status, 'ok');
    assert.equal(reply.id, 'n');
    await until(() => manager.status('cam1').state === 'running', 10_000, 'running via NATS');
    await until(() => states.at(-1)?.payload === 'ON', 5000, 'state ON');
  }
  // A detect command in a gateway-only process is not answered here (left to the detector process).
  await assert.rejects(nc.request('lookout.site1.control.cam1.detect.on', '', { timeout: 300 }));
  assert.equal(manager.liveChildren().length, 2);
  assert.equal(plane.table.busyCameras, 0);
});
