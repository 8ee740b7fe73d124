import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { SupervisedChild } from '../../common/child/supervised-child.ts';
import { parseConfig } from '../../common/config/load.ts';
import { publishClip } from '../../test/support/publish-clip.ts';
import { startRtspStandIn, type RtspStandIn } from '../../test/support/rtsp-stand-in.ts';
import { InferencePool } from '../inference/inference-pool.ts';
import { MemorySink } from '../publisher.ts';
import { DetectorService } from '../service.ts';
import { ObjectTracker } from '../track/index.ts';
import { CAR, PERSON, renderClip, tempDir } from './clips.ts';
import { liveChildren } from './leak-probe.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';

// The RTSP server here is the `rtsp-streaming-server` stand-in (NOT mediamtx): UDP transport only.
const dir = tempDir();
const clip = join(dir.path, 'boxes.mp4');
let server: RtspStandIn;
let publisher: SupervisedChild;

before(async () => {
  await renderClip(clip, { width: 1280, height: 720, fps: 25, seconds: 4, gop: 25, boxes: [PERSON, CAR] });
  server = await startRtspStandIn();
  publisher = await publishClip(server, clip, 'yard');
});
after(async () => {
  await publisher?.stop();
  await server?.close();
  dir.dispose();
});

void test('service reads an RTSP stream (udp) and finds the moving boxes; the URL password never reaches a log line', async () => {
  const logged: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(chunk.toString()), done()) }));
  const source = server.readUrl('yard').replace('rtsp://', 'rtsp://viewer:hunter2-secret@');
  const config = parseConfig({
    state_dir: tempStateDir(),
    shutdown_timeout: '10s',
    cameras: [{ id: 'yard', source, rtsp_transport: 'udp', detect: { fps: 2, read_from: 'source', decode: 'all' } }],
    detector: { hwaccel: 'none', workers: 1, threads: 1 },
  });
  const sink = new MemorySink(100);
  const service = await new DetectorService({ config, logger, sink, createPool: (options) => InferencePool.create(options), createTracker: () => new ObjectTracker(), http: false }).start();
  try {
    await sink.waitForFrames(4, 30_000);
  } finally {
    await service.stop();
  }
  assert.deepEqual(liveChildren().filter((child) => !child.includes(String(publisher.pid))), []);
  const withBoth = sink.frames.filter((frame) => ['person', 'car'].every((label) => frame.detections.some((detection) => detection.label === label)));
  assert.ok(withBoth.length >= 3, `${withBoth.length} of ${sink.frames.length} frames show both objects`);
  assert.equal(sink.frames[0]?.width, 1280);
  assert.ok(logged.length > 0);
  assert.ok(!logged.join('').includes('hunter2-secret'), 'the password is redacted everywhere');
});
