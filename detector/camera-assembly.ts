/**
 * Builds one camera's detector from config: where its decoder reads (detect input), the decode
 * strategy (keyframe probe), hardware decode choice, the main-stream geometry, post-processing,
 * motion gate and tracking. Split from service.ts so the service file is only the lifecycle and the
 * per-camera commands; this is "what a camera is made of".
 */
import type { Logger } from '../common/log.ts';
import { detectorDecoderSettings } from '../common/config/detector-decoder.ts';
import type { ChildRegistry } from '../common/child/orphan-registry.ts';
import type { LookoutConfig } from '../common/config/schema.ts';
import type { CameraConfig } from '../common/config/schema-gateway.ts';
import { CameraDetector, type TrackerLike } from './camera-detector.ts';
import { planDecode } from './decode/decode-plan.ts';
import { HwaccelFallback, type HwaccelEnvironment } from './decode/hwaccel.ts';
import { cameraDecoderInput, cameraGeometry } from './detect-input.ts';
import type { Scheduler } from './inference/scheduler.ts';
import type { DetectorMetrics } from './metrics.ts';
import { gateSettingsFrom, motionSettingsFrom } from './motion/settings.ts';
import type { DetectionSink } from './publisher.ts';
import type { Pictures } from './snapshots/pictures.ts';

/** What every camera of one detector shares. */
export interface CameraParts {
  config: LookoutConfig;
  logger: Logger;
  pool: { readonly info: { inputWidth: number; inputHeight: number } };
  scheduler: Scheduler;
  tracker: TrackerLike;
  env: HwaccelEnvironment;
  pictures: Pictures | undefined;
  children: ChildRegistry | undefined;
  sink: DetectionSink;
  metrics: DetectorMetrics;
}

export async function assembleCamera(camera: CameraConfig, parts: CameraParts): Promise<CameraDetector> {
  const { config, logger, pool, scheduler, tracker, env, pictures, children, metrics } = parts;
  // Only cameras with detection on are assembled (service.ts), so `detect` is there.
  const detect = camera.detect;
  if (!detect) throw new Error(`camera ${camera.id} has no detect section`);
  const input = cameraDecoderInput(config, camera);
  const decoderSettings = detectorDecoderSettings(config);
  const geometry = cameraGeometry(config, camera, { logger, onHeld: () => metrics.held.inc({ camera: camera.id }), children });
  // The decode plan (keyframe probe of the detect input) and the first main-size probe side by side.
  const [{ strategy, keyframeInterval, hwaccel: hwChoice }] = await Promise.all([
    planDecode({
      input,
      decode: detect.decode,
      fps: detect.fps,
      hwaccel: camera.detect?.hwaccel ?? config.detector.hwaccel,
      hwaccelDevice: config.detector.hwaccel_device,
      env,
      ffprobePath: config.ffmpeg.ffprobe_path,
      children,
      owner: camera.id,
    }),
    geometry.probeOnce(AbortSignal.timeout(8000)),
  ]);
  const { detectInput, separate, main } = geometry.status();
  logger.info({ camera: camera.id, strategy, keyframeInterval, hwaccel: hwChoice.mode, why: hwChoice.reason, fps: detect.fps, detectInput, separate, main: separate ? (main ?? 'pending') : 'same input' }, 'camera decoder plan');
  const minScore = camera.detect?.min_score ?? config.detector.min_score;
  return new CameraDetector({
    id: camera.id,
    decoder: {
      ...(config.ffmpeg.path ? { ffmpegPath: config.ffmpeg.path } : {}),
      input,
      strategy,
      fps: detect.fps,
      width: pool.info.inputWidth,
      height: pool.info.inputHeight,
      restart: true,
      stallMs: camera.timeouts.stall,
      startMs: camera.timeouts.start,
      ioTimeoutMs: camera.timeouts.io,
      stopGraceMs: decoderSettings.stopGraceMs,
      hwEarlyFrames: config.detector.hwaccel_min_frames,
      hwEarlyMs: config.detector.hwaccel_early_exit,
      backoff: decoderSettings.backoff,
      ...(pictures
        ? { fullFrameHeight: pictures.frameHeight(camera.id), onFullFrame: (frame) => pictures?.latest.put(camera.id, { ...frame, picture: geometry.pictureSize(frame.image) }) }
        : {}),
    },
    hwaccel: new HwaccelFallback(hwChoice, config.detector.hwaccel_retry_after),
    postprocess: {
      minScore,
      iouThreshold: config.detector.iou_threshold,
      ...(camera.detect?.label_scores ? { labelScores: camera.detect.label_scores } : {}),
      ...(camera.detect?.min_area !== undefined ? { minArea: camera.detect.min_area } : {}),
      ...(camera.detect?.labels ? { labels: camera.detect.labels } : {}),
    },
    geometry,
    motion: motionSettingsFrom(camera.motion),
    gate: gateSettingsFrom(camera.detect),
    ...(children ? { children } : {}),
    scheduler,
    tracker,
    sink: pictures?.sink ?? parts.sink,
    metrics,
    logger: logger.child({ component: 'detector', camera: camera.id }),
  });
}
