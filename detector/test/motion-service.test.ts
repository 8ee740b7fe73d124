import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../common/config/load.ts';
import { silentLogger } from '../../common/log.ts';
import { InferencePool } from '../inference/inference-pool.ts';
import { MemorySink } from '../publisher.ts';
import { DetectorService } from '../service.ts';
import { ObjectTracker } from '../track/index.ts';
import { tempDir } from './clips.ts';
import { liveChildren } from './leak-probe.ts';
import { renderQuietClip, type ObjectWindow } from './motion-clips.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';

// The detector service on a real ffmpeg clip (file source read in real time, real test model):
// a person crosses early, then the lights go on. The lights are a whole-frame reset, not motion,
// and start no event; the gate's counts in /metrics match the frame results the sink received.
const dir = tempDir('lookout-motion-service-');
const clip = join(dir.path, 'lights.mp4');
const LIGHTS_AT = 6;
const person: ObjectWindow = { label: 'person', start: 1, end: 3, box: { color: '0xE01818', width: 240, height: 200, x0: 100, y0: 200, vx: 300, vy: 0 } };

before(() => renderQuietClip(clip, { width: 1280, height: 720, fps: 10, seconds: 16, gop: 10, noise: 10, drift: 0.05, windows: [person], lightsOnAt: LIGHTS_AT }));
after(() => dir.dispose());

function metric(text: string, name: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}{camera="yard"}`));
  assert.ok(line, `${name} is exported`);
  return Number(line.split(' ').at(-1));
}

void test('lights on: a counted whole-frame reset, not motion, no new event; gate counts in /metrics match the frame results', async () => {
  const config = parseConfig({
    state_dir: tempStateDir(),
    shutdown_timeout: '10s',
    cameras: [{ id: 'yard', source: `file://${clip}`, detect: { fps: 5, read_from: 'source', decode: 'all', stationary_interval: 5 }, motion: { threshold: 30 } }],
    detector: { hwaccel: 'none', workers: 1, threads: 1 },
  });
  const sink = new MemorySink(1000);
  const service = await new DetectorService({ config, logger: silentLogger(), sink, createPool: (options) => InferencePool.create(options), createTracker: () => new ObjectTracker(), http: false }).start();
  let metrics: string;
  let status;
  try {
    // 9 s of the 16 s clip (the file loops; its end would be another lighting change).
    await sink.waitForFrames(45, 90_000);
  } finally {
    await service.stop();
    metrics = (await service.metricsText()).body;
    status = service.status('yard').cameras[0];
  }
  assert.deepEqual(liveChildren(), []);
  assert.ok(status);
  const frames = sink.frames.filter((frame) => frame.pts < 15.9);
  const step = frames.find((frame) => frame.pts >= LIGHTS_AT);
  assert.ok(step, 'the lights-on frame was processed');
  assert.deepEqual([step.motion, step.inferred], [false, false], 'the lights-on frame is neither motion nor inferred');
  assert.equal(status.motionResets, 1, 'one whole-frame reset');
  assert.equal(metric(metrics, 'lookout_detector_motion_resets_total'), 1);
  const news = sink.events.filter((event) => event.type === 'new');
  assert.ok(news.every((event) => event.label === 'person'), `new events: ${news.map((event) => event.label).join(', ')}`);
  assert.ok(news.length <= 1, 'at most the person starts an event');
  const afterLights = frames.filter((frame) => frame.pts >= LIGHTS_AT);
  assert.deepEqual(afterLights.filter((frame) => frame.motion).map((frame) => frame.pts), [], 'no motion after the lights went on');
  const person = frames.filter((frame) => frame.pts >= 1.2 && frame.pts < 2.8);
  assert.ok(person.length > 0 && person.every((frame) => frame.inferred && frame.motion), 'the crossing person was inferred on every frame');
  // The counters are the frame results: every sink frame is either gated or inferred.
  const all = sink.frames;
  assert.equal(sink.framesSeen, all.length);
  assert.equal(metric(metrics, 'lookout_detector_frames_gated_total'), all.filter((frame) => !frame.inferred).length);
  assert.equal(metric(metrics, 'lookout_detector_frames_inferred_total'), all.filter((frame) => frame.inferred).length);
  assert.equal(status.framesGated, all.filter((frame) => !frame.inferred).length);
  assert.equal(metric(metrics, 'lookout_detector_frames_motion_total'), status.framesWithMotion);
  assert.ok(status.framesWithMotion >= all.filter((frame) => frame.motion).length);
  // Decoded frames are accounted for: a result each, or replaced in the slot, or failed, or (at most two) left in the slot/pool at stop.
  const unaccounted = status.framesDecoded - all.length - status.skipped - status.failed;
  assert.ok(unaccounted >= 0 && unaccounted <= 2, `${unaccounted} decoded frames without a result`);
  assert.ok(all.filter((frame) => !frame.inferred).length >= 25, 'most of the quiet clip was gated');
});
