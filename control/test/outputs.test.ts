/**
 * The per-process entry points: `createDetectorOutputs` (loaded by `lookout detector`): commands
 * before the service is bound get a `conflict` reply, after binding they reach the service; and the
 * gateway role's one source of stream states (the manager's events, appliance/gateway-process.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import Fastify from 'fastify';
import { silentLogger } from '../../common/log.ts';
import { createDetectorOutputs, DESIRED_DETECT_FILE } from '../events/detector-outputs.ts';
import { ControlPlane } from '../control-plane.ts';
import { FakeDetectControl, FakeStreamControl } from './fake-controls.ts';
import { tempDir, testConfig } from './helpers.ts';

void test('detector outputs: conflict until attached, then detect commands reach the service', async (t) => {
  const config = testConfig({ stateDir: tempDir(t), cameras: [{ id: 'cam1' }] });
  const outputs = await createDetectorOutputs(config, silentLogger());
  t.after(() => outputs.close());
  const early = await outputs.plane.table.execute({ command: 'detect.off', camera: 'cam1' });
  assert.equal(early.error?.code, 'conflict');
  const fake = new FakeDetectControl(['cam1']);
  outputs.attach({ setDetect: (id, on) => fake.set(id, on), status: (id) => fake.status(id) });
  const app = Fastify();
  t.after(() => app.close());
  await app.register(outputs.plane.httpRoutes);
  const reply = await app.inject({ method: 'POST', url: '/api/v1/commands', payload: { command: 'detect.off', camera: 'cam1', id: 1 } });
  assert.equal(reply.statusCode, 200);
  assert.equal(fake.enabled.get('cam1'), false);
  outputs.sink.event({ type: 'new', id: 'cam1:1', camera: 'cam1', label: 'person', score: 0.9, box: [0, 0, 1, 1], boxNorm: [0, 0, 0.1, 0.1], firstSeen: 1, lastSeen: 1 });
  assert.equal(await outputs.plane.outbox.flush(5000), true);
});

void test('gateway role: stream states come only from the manager events (a command publishes once, through its event)', async (t) => {
  const config = testConfig({ stateDir: tempDir(t), cameras: [{ id: 'cam1' }] });
  const control = new FakeStreamControl(['cam1']);
  const emitter = new EventEmitter();
  const manager = Object.assign(emitter, {
    pause: (id: string) => control.pause(id),
    resume: (id: string) => control.resume(id),
    restart: (id: string) => control.restart(id),
    status: (id: string) => ({ state: control.state.get(id) ?? 'stopped' }),
  });
  const plane = new ControlPlane({ config, logger: silentLogger(), stream: manager, streamStates: manager, role: 'gateway' });
  const published: string[] = [];
  const original = plane.publishStreamState.bind(plane);
  plane.publishStreamState = (camera, state) => {
    published.push(`${camera}:${typeof state === 'string' ? state : state.on}`);
    original(camera, state);
  };
  await plane.start();
  assert.equal((await plane.table.execute({ command: 'stream.pause', camera: 'cam1' })).status, 'ok');
  assert.equal(control.state.get('cam1'), 'paused');
  assert.deepEqual(published, [], 'the command itself publishes nothing');
  emitter.emit('state', { id: 'cam1', state: 'stopping' });
  emitter.emit('state', { id: 'cam1', state: 'paused' });
  assert.deepEqual(published, ['cam1:false'], 'one publication for the state change');
  await plane.stop(2000);
  assert.equal(emitter.listenerCount('state'), 0, 'stop removes the state listener');
});

void test('detector outputs: a detect-off survives a restart (desired-detect.json, 0600) and detect.on clears it', async (t) => {
  const config = testConfig({ stateDir: tempDir(t), cameras: [{ id: 'cam1' }, { id: 'cam2' }] });
  const file = join(config.state_dir, DESIRED_DETECT_FILE);
  const first = await createDetectorOutputs(config, silentLogger());
  const before = new FakeDetectControl(['cam1', 'cam2']);
  first.attach({ setDetect: (id, on) => before.set(id, on), status: (id) => before.status(id) });
  assert.equal((await first.plane.table.execute({ command: 'detect.off', camera: 'cam2' })).status, 'ok');
  await first.close();
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { detect_off: ['cam2'] });

  const second = await createDetectorOutputs(config, silentLogger());
  t.after(() => second.close());
  const after = new FakeDetectControl(['cam1', 'cam2']);
  second.attach({ setDetect: (id, on) => after.set(id, on), status: (id) => after.status(id) });
  assert.deepEqual(await second.restoreDesired(), ['cam2']);
  assert.equal(after.enabled.get('cam2'), false, 'the restarted detector has detection off again');
  assert.equal(after.enabled.get('cam1'), true);
  assert.equal((await second.plane.table.execute({ command: 'detect.on', camera: 'cam2' })).status, 'ok');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { detect_off: [] });
});
