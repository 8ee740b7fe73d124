import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../common/config/load.ts';
import { silentLogger } from '../../common/log.ts';
import { InferencePool } from '../inference/inference-pool.ts';
import { MemorySink } from '../publisher.ts';
import { DetectorService, mediamtxReadUrl, cameraDecoderInput } from '../service.ts';
import { ObjectTracker } from '../track/index.ts';
import { CAR, matchRate, PERSON, renderClip, tempDir } from './clips.ts';
import { liveChildren } from './leak-probe.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';

const dir = tempDir();
const clip = join(dir.path, 'boxes.mp4');
before(() => renderClip(clip, { width: 1280, height: 720, fps: 25, seconds: 4, gop: 25, boxes: [PERSON, CAR] }));
after(() => dir.dispose());

void test('mediamtx read URL carries the detector credential; read_from: source uses the camera source', () => {
  const config = parseConfig({
    state_dir: tempStateDir(),
    detector: { read_user: 'det', read_password: 'p@ss word!' },
    mediamtx: { rtsp_port: 8555 },
    cameras: [
      { id: 'front', source: 'rtsp://cam:pw@10.0.0.5/stream', rtsp_transport: 'udp', detect: {} },
      { id: 'back', source: 'rtsp://cam:pw@10.0.0.6/stream', rtsp_transport: 'udp', detect: { read_from: 'source' } },
    ],
  });
  assert.equal(mediamtxReadUrl(config, 'front'), 'rtsp://det:p%40ss%20word!@127.0.0.1:8555/front');
  assert.deepEqual(cameraDecoderInput(config, config.cameras[0]!), { kind: 'rtsp', url: 'rtsp://det:p%40ss%20word!@127.0.0.1:8555/front', transport: 'tcp' });
  assert.deepEqual(cameraDecoderInput(config, config.cameras[1]!), { kind: 'rtsp', url: 'rtsp://cam:pw@10.0.0.6/stream', transport: 'udp' });
});

void test('service end to end (file source, real model): detections on the known boxes, tracks and counts', async () => {
  const config = parseConfig({
    state_dir: tempStateDir(),
    shutdown_timeout: '10s',
    cameras: [{ id: 'yard', source: `file://${clip}`, detect: { fps: 5, read_from: 'source', decode: 'auto', min_score: 0.5 } }],
    detector: { hwaccel: 'auto', workers: 1, threads: 1 },
  });
  const sink = new MemorySink(500);
  const service = await new DetectorService({
    config,
    logger: silentLogger(),
    sink,
    createPool: (options) => InferencePool.create(options),
    createTracker: () => new ObjectTracker(),
    http: false,
  }).start();
  try {
    await sink.waitForFrames(8, 60_000);
  } finally {
    await service.stop();
  }
  assert.deepEqual(liveChildren(), []);
  const frames = sink.frames.filter((frame) => frame.pts < 3.9);
  assert.ok(frames.length >= 8);
  for (const frame of frames) {
    assert.equal(frame.width, 1280);
    assert.ok(frame.latencyMs >= frame.inferenceMs - 1);
  }
  const rate = matchRate(frames, [['person', PERSON], ['car', CAR]]);
  assert.ok(rate >= 0.9, `matched ${Math.round(rate * 100)}% of known boxes`);
  const newLabels = sink.events.filter((event) => event.type === 'new').map((event) => event.label).sort();
  assert.deepEqual(newLabels.slice(0, 2), ['car', 'person']);
  assert.deepEqual(sink.countsLog.at(-1), { camera: 'yard', counts: { car: 1, person: 1 } });
  const tracksPerson = new Set(sink.events.filter((event) => event.label === 'person').map((event) => event.id));
  assert.equal(tracksPerson.size, 1, 'one stable track id for the moving person');
});

