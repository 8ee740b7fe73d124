/**
 * With no broker configured, events go to a rotated JSONL file in the state dir and to
 * `GET /api/v1/events`, and the start log says so.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ControlPlane } from '../control-plane.ts';
import { JsonlEventFile } from '../events/jsonl-sink.ts';
import { RecentEvents } from '../events/recent-events.ts';
import { FakeDetectControl } from './fake-controls.ts';
import { tempDir, testConfig } from './helpers.ts';

void test('no broker: events land in events.jsonl and GET /api/v1/events, and the log says where', async (t) => {
  const stateDir = tempDir(t);
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  );
  const config = testConfig({ stateDir, extra: { outbox: { fsync: 'never', recent_events: 5 } } });
  const registry = new Registry();
  const plane = new ControlPlane({ config, logger, detect: new FakeDetectControl(['cam1', 'cam2']), registry });
  await plane.start();
  const app = Fastify();
  t.after(() => app.close());
  await app.register(plane.httpRoutes);
  for (let i = 0; i < 8; i++) {
    plane.event({ type: i % 2 ? 'update' : 'new', id: Math.floor(i / 2), camera: 'cam1', label: 'person', score: 0.5 + i / 100, box: [i, i, 9, 9], firstSeen: 1000, lastSeen: 1000 + i });
  }
  assert.equal(await plane.outbox.flush(5000), true);
  const file = readFileSync(join(stateDir, 'events.jsonl'), 'utf8').trim().split('\n');
  assert.equal(file.length, 8);
  const second = JSON.parse(file[1] ?? '{}');
  assert.equal(second.type, 'update');
  assert.equal(second.before.id, second.after.id, 'update carries before/after of the same track');
  assert.ok(lines.some((line) => line.includes('no MQTT or NATS broker configured') && line.includes('events.jsonl')));
  const metrics = await registry.metrics();
  assert.match(metrics, /lookout_outbox_delivered\{role="detector",sink="jsonl"\} 8/);
  assert.match(metrics, /lookout_outbox_backlog\{role="detector"\} 0/);
  assert.match(metrics, /lookout_sink_circuit_state\{sink="jsonl"\} 0/);

  const recent = await app.inject({ method: 'GET', url: '/api/v1/events?limit=3' });
  assert.equal(recent.statusCode, 200);
  const body = recent.json() as { status: string; data: Array<{ after: { box: number[] } }> };
  assert.equal(body.data.length, 3);
  assert.deepEqual(body.data[0]?.after.box, [7, 7, 9, 9], 'newest first');
  const all = await app.inject({ method: 'GET', url: '/api/v1/events?limit=100' });
  assert.equal((all.json() as { data: unknown[] }).data.length, 5, 'bounded ring');
  const bad = await app.inject({ method: 'GET', url: '/api/v1/events?limit=abc' });
  assert.equal(bad.statusCode, 400);
  const command = await app.inject({ method: 'POST', url: '/api/v1/commands', payload: { command: 'detect.off', camera: 'cam2' } });
  assert.equal(command.statusCode, 200);
  await plane.stop(2000);
});

void test('JSONL file rotates and keeps at most `files` files', async (t) => {
  const dir = tempDir(t);
  const file = new JsonlEventFile(dir, 1024, 3);
  for (let i = 0; i < 200; i++) await file.append(JSON.stringify({ i, pad: 'x'.repeat(40) }));
  await file.close();
  const names = readdirSync(dir).sort();
  assert.deepEqual(names, ['events.1.jsonl', 'events.2.jsonl', 'events.jsonl']);
  const newest = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
  assert.equal(JSON.parse(newest.at(-1) ?? '{}').i, 199);
});

void test('recent events ring keeps the newest', () => {
  const ring = new RecentEvents<number>(3);
  for (let i = 0; i < 10; i++) ring.push(i);
  assert.deepEqual(ring.latest(10), [9, 8, 7]);
  assert.deepEqual(ring.latest(1), [9]);
});
