import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfig } from '../../common/config/load.ts';
import { silentLogger } from '../../common/log.ts';
import { InferencePool } from '../inference/inference-pool.ts';
import { MemorySink } from '../publisher.ts';
import { DetectorService } from '../service.ts';
import { ObjectTracker } from '../track/index.ts';
import { renderClip, tempDir } from './clips.ts';
import { liveChildren } from './leak-probe.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';

/*
 * A real pool whose inference deadline (50 ms) is shorter than a 640 session.run: every frame
 * overruns, its worker is replaced, and the old worker leaves when its native run returns (it was
 * once terminate()d mid-run, which aborted the process with a Napi::Error, exit 134).
 */
const dir = tempDir();
const clip = join(dir.path, 'clip.mp4');
before(() => renderClip(clip, { width: 320, height: 240, fps: 10, seconds: 2, gop: 10 }));
after(() => dir.dispose());

// The shared speed fixture sits beside the checkout (../shared/models), as on CI.
const BIG_MODEL = fileURLToPath(new URL('../../../shared/models/yolov8n-arch-640.onnx', import.meta.url));

void test('an overrunning inference (real pool, 50 ms deadline, 640 model) is counted failed; the service keeps going and stops cleanly', { skip: !existsSync(BIG_MODEL) && `no ${BIG_MODEL} here` }, async () => {
  const config = parseConfig({
    state_dir: tempStateDir(),
    shutdown_timeout: '10s',
    cameras: [{ id: 'slow', source: `file://${clip}`, detect: { fps: 5, read_from: 'source', decode: 'all', motion_gate: false } }],
    detector: { model: BIG_MODEL, hwaccel: 'none', workers: 1, threads: 1, inference_timeout: '50ms' },
  });
  const sink = new MemorySink(100);
  const service = await new DetectorService({ config, logger: silentLogger(), sink, createPool: (options) => InferencePool.create(options), createTracker: () => new ObjectTracker(), http: false }).start();
  let failed = 0;
  try {
    const deadline = Date.now() + 30_000;
    while ((failed = service.status('slow').cameras[0]?.failed ?? 0) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    const { drained } = await service.stop();
    assert.equal(drained, true);
  }
  assert.ok(failed >= 2, `failed inferences: ${failed}`);
  assert.match(await service.metricsText().then((metrics) => metrics.body), /lookout_detector_frames_failed_total\{camera="slow"\} [1-9]/);
  assert.deepEqual(liveChildren(), []);
});
