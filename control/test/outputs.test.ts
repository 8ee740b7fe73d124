/**
 * The per-process entry points: `createDetectorOutputs` (loaded by `lookout detector`) and
 * `createGatewayOutputs`: commands before the service is bound get a `conflict` reply, after
 * binding they reach the service; gateway stream states follow the manager's state events.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import Fastify from 'fastify';
import { silentLogger } from '../../common/log.ts';
import { createDetectorOutputs } from '../detector-outputs.ts';
import { createGatewayOutputs } from '../gateway-outputs.ts';
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

void test('gateway outputs: stream commands after attach; stream states follow manager events', async (t) => {
  const config = testConfig({ stateDir: tempDir(t), cameras: [{ id: 'cam1' }] });
  const outputs = await createGatewayOutputs(config, silentLogger());
  t.after(() => outputs.close());
  assert.equal((await outputs.plane.table.execute({ command: 'stream.pause', camera: 'cam1' })).error?.code, 'conflict');
  const control = new FakeStreamControl(['cam1']);
  const emitter = new EventEmitter();
  const published: string[] = [];
  const original = outputs.plane.publishStreamState.bind(outputs.plane);
  outputs.plane.publishStreamState = (camera, state) => {
    published.push(`${camera}:${typeof state === 'string' ? state : state.on}`);
    original(camera, state);
  };
  const manager = Object.assign(emitter, {
    pause: (id: string) => control.pause(id),
    resume: (id: string) => control.resume(id),
    restart: (id: string) => control.restart(id),
    status: (id?: string) => control.status(id),
  });
  outputs.attach(manager);
  assert.deepEqual(published, ['cam1:true'], 'initial state from the manager');
  assert.equal((await outputs.plane.table.execute({ command: 'stream.pause', camera: 'cam1' })).status, 'ok');
  assert.equal(control.state.get('cam1'), 'paused');
  emitter.emit('state', { id: 'cam1', state: 'paused' });
  assert.ok(published.includes('cam1:false'));
  await outputs.close();
  assert.equal(emitter.listenerCount('state'), 0, 'close removes the state listener');
});
