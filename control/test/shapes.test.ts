/** Pure shapes: topic/subject parsing, Frigate event format, stream state mapping. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { FrigateEventFormatter } from '../events/frigate-events.ts';
import { MqttTopics, labelLevel } from '../mqtt/topics.ts';
import { NatsSubjects } from '../nats/subjects.ts';
import { forwardStreamStates, streamStateOf } from '../events/stream-state.ts';

void test('MQTT topic parsing: set topics, request topics, and wrong levels', () => {
  const topics = new MqttTopics('lookout');
  assert.deepEqual(topics.parse('lookout/cam1/detect/set'), { kind: 'set', camera: 'cam1', target: 'detect' });
  assert.deepEqual(topics.parse('lookout/cam1/restart/set'), { kind: 'set', camera: 'cam1', target: 'restart' });
  assert.deepEqual(topics.parse('lookout/request/stream/pause'), { kind: 'request', command: 'stream.pause' });
  assert.deepEqual(topics.parse('lookout/request'), { kind: 'request', command: undefined });
  assert.equal(topics.parse('lookout/cam1/detect/set/extra').kind, 'unknown');
  assert.equal(topics.parse('lookout/cam1/zoom/set').kind, 'unknown');
  assert.equal(topics.parse('other/cam1/detect/set').kind, 'unknown');
  assert.equal(topics.count('cam1', 'traffic light'), 'lookout/cam1/traffic_light');
  assert.equal(labelLevel('A/B+#'), 'a_b_');
});

void test('NATS control subjects: two-token commands, aliases, wrong levels', () => {
  const subjects = new NatsSubjects('site1');
  assert.deepEqual(subjects.parseControl('lookout.site1.control.cam1.stream.pause'), { camera: 'cam1', command: 'stream.pause' });
  assert.deepEqual(subjects.parseControl('lookout.site1.control.cam1.pause'), { camera: 'cam1', command: 'stream.pause' });
  assert.deepEqual(subjects.parseControl('lookout.site1.control.ALL.status'), { camera: 'ALL', command: 'status' });
  assert.equal(subjects.parseControl('lookout.site1.control.cam1'), undefined);
  assert.equal(subjects.parseControl('lookout.site1.control.cam1.a.b.c'), undefined);
  assert.equal(subjects.parseControl('lookout.other.control.cam1.pause'), undefined);
});

void test('Frigate events: before/after per track, top_score, end time, stable distinct ids', () => {
  const formatter = new FrigateEventFormatter(2);
  const base = { id: 'cam1:1', camera: 'cam1', label: 'person', box: [1, 2, 3, 4], boxNorm: [0.1, 0.2, 0.3, 0.4], firstSeen: 1_700_000_000_000 };
  const first = formatter.format({ ...base, type: 'new', score: 0.6, lastSeen: 1_700_000_000_000 });
  assert.equal(first.message.before, undefined);
  assert.equal(first.message.after.start_time, 1_700_000_000);
  const update = formatter.format({ ...base, type: 'update', score: 0.9, lastSeen: 1_700_000_001_000 });
  assert.equal(update.message.before?.score, 0.6);
  assert.equal(update.message.after.top_score, 0.9);
  assert.equal(update.message.after.id, first.message.after.id, 'track id stable');
  const end = formatter.format({ ...base, type: 'end', score: 0.5, lastSeen: 1_700_000_002_000 });
  assert.equal(end.message.after.end_time, 1_700_000_002);
  assert.equal(end.message.after.top_score, 0.9);
  assert.equal(end.message.after.active, false);
  assert.equal(new Set([first.outboxId, update.outboxId, end.outboxId]).size, 3, 'each message has its own id');
  assert.match(end.outboxId, /^[A-Za-z0-9_.-]+$/, 'usable as Nats-Msg-Id');
  assert.equal(formatter.trackedCount, 0, 'ended tracks are forgotten');
  for (let i = 0; i < 5; i++) formatter.format({ ...base, id: `cam1:${i + 10}`, type: 'new', score: 0.5, lastSeen: 1 });
  assert.equal(formatter.trackedCount, 2, 'bounded');
});

void test('stream state follows pipeline states; repeated states are not re-published', () => {
  assert.deepEqual(streamStateOf({ state: 'running' }), { on: true, available: true });
  assert.deepEqual(streamStateOf({ state: 'paused' }), { on: false, available: true });
  assert.deepEqual(streamStateOf({ state: 'failed' }), { on: false, available: false });
  const emitter = new EventEmitter();
  const published: string[] = [];
  const stop = forwardStreamStates(emitter, (camera, update) => published.push(`${camera}:${update.on}`));
  for (const state of ['starting', 'running', 'stopping', 'paused', 'paused', 'starting']) emitter.emit('state', { id: 'cam1', state });
  assert.deepEqual(published, ['cam1:true', 'cam1:false', 'cam1:true']);
  stop();
  assert.equal(emitter.listenerCount('state'), 0);
});
