import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../common/config/load.ts';
import { silentLogger } from '../../common/log.ts';
import { createDetectorOutputs } from '../../control/events/detector-outputs.ts';
import { tempDir as controlTempDir, testClient, testConfig } from '../../control/test/helpers.ts';
import { startMosquitto } from '../../test/support/brokers.ts';
import { InferencePool } from '../inference/inference-pool.ts';
import { MemorySink } from '../publisher.ts';
import { DetectorService } from '../service.ts';
import { ObjectTracker } from '../track/index.ts';
import { CAR, PERSON, renderClip, tempDir } from './clips.ts';
import { liveChildren } from './leak-probe.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';

const dir = tempDir();
const clip = join(dir.path, 'yard.mp4');
before(() => renderClip(clip, { width: 1280, height: 720, fps: 25, seconds: 4, gop: 25, boxes: [PERSON, CAR] }));
after(() => dir.dispose());

void test('service (real clip, real model): zones from the config reach events and zone counts; the object mask drops the car; pausing ends the objects', async () => {
  const config = parseConfig({
    state_dir: tempStateDir(),
    shutdown_timeout: '10s',
    cameras: [
      {
        id: 'yard',
        source: `file://${clip}`,
        detect: { fps: 5, read_from: 'source', min_score: 0.5 },
        // The person (feet at y 350 of 720, x 220..) stands in the left half; the car's feet (y ~580, x ~1000) are masked.
        zones: { left_half: { coordinates: [[0, 0], [0.5, 0], [0.5, 1], [0, 1]], inertia: 2 } },
        objects: { mask: [{ frame: [1280, 720], points: [[700, 450], [1280, 450], [1280, 720], [700, 720]] }] },
      },
    ],
    detector: { hwaccel: 'none', workers: 1, threads: 1 },
  });
  const sink = new MemorySink(500);
  const service = await new DetectorService({ config, logger: silentLogger(), sink, createPool: (options) => InferencePool.create(options), createTracker: () => new ObjectTracker(), http: false }).start();
  try {
    await sink.waitForFrames(10, 60_000);
    // A loaded machine infers fewer frames: wait (bounded) until the person was counted in the zone.
    const deadline = Date.now() + 60_000;
    while (!sink.zoneCountsLog.some((entry) => entry.counts.person === 1) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    // Detection off: tracked objects end at once and the counts go back to 0.
    await service.pauseCamera('yard');
  } finally {
    await service.stop();
  }
  assert.deepEqual(liveChildren(), []);
  const inferred = sink.frames.filter((frame) => frame.inferred);
  assert.ok(inferred.some((frame) => frame.detections.some((d) => d.label === 'person')), 'the person is detected');
  assert.ok(inferred.every((frame) => frame.detections.every((d) => d.label !== 'car')), 'masked car never published');
  assert.ok(sink.events.every((event) => event.label === 'person'), 'no car event');
  const person = sink.events.find((event) => event.type === 'new');
  assert.ok(person, 'person announced');
  const update = sink.events.find((event) => event.type === 'update' && event.currentZones.includes('left_half'));
  const inZone = person.currentZones.includes('left_half') || update !== undefined;
  assert.ok(inZone, `person in left_half: ${JSON.stringify(sink.events.map((e) => [e.type, e.currentZones]))}`);
  assert.ok(sink.zoneCountsLog.some((entry) => entry.zone === 'left_half' && entry.counts.person === 1), 'zone count while the person was there');
  assert.ok(sink.countsLog.some((entry) => entry.counts.person === 1));
  const announced = new Set(sink.events.filter((event) => event.type === 'new').map((event) => event.id));
  const ended = new Set(sink.events.filter((event) => event.type === 'end').map((event) => event.id));
  assert.deepEqual(ended, announced, 'pausing ended every announced object');
  assert.deepEqual(sink.zoneCountsLog.at(-1), { zone: 'left_half', counts: {} });
  assert.deepEqual(sink.countsLog.at(-1), { camera: 'yard', counts: {} });
});

void test('zone counts from the detector outputs: retained <prefix>/<zone>/<label>, back to 0 when the zone empties', async (t) => {
  const broker = await startMosquitto({ persistence: false });
  t.after(() => broker.dispose());
  const config = testConfig({ stateDir: controlTempDir(t), cameras: [{ id: 'cam1' }], mqttUrl: broker.url });
  const outputs = await createDetectorOutputs(config, silentLogger());
  t.after(() => outputs.close());
  const client = await testClient(t, broker.url);
  const seen: string[] = [];
  client.on('message', (topic, payload) => seen.push(`${topic}=${payload.toString()}`));
  await client.subscribeAsync('lookout/drive/#');
  outputs.sink.zoneCounts('drive', { person: 2, car: 1 });
  outputs.sink.zoneCounts('drive', { car: 1 });
  const deadline = Date.now() + 15_000;
  while (seen.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(seen.sort(), ['lookout/drive/car=1', 'lookout/drive/person=0', 'lookout/drive/person=2']);
  // Retained: a new subscriber gets the current counts.
  const late = await testClient(t, broker.url);
  const retained: string[] = [];
  late.on('message', (topic, payload) => retained.push(`${topic}=${payload.toString()}`));
  await late.subscribeAsync('lookout/drive/#');
  const until = Date.now() + 15_000;
  while (retained.length < 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(retained.sort(), ['lookout/drive/car=1', 'lookout/drive/person=0']);
});
