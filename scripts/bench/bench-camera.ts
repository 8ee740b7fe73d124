/**
 * The one camera builder of the benchmarks (bench:detector, its motion section, bench:capacity): a
 * local clip played in real time through the real camera path (software ffmpeg decoder → motion
 * gate → latest-frame slot → scheduler → pool → tracker → sink). One builder so every bench measures
 * the same camera; what differs between them (detect rate, looping, restart, the gate) is an option.
 */
import { silentLogger } from '../../common/log.ts';
import { CameraDetector } from '../../detector/camera-detector.ts';
import { decoderInputFrom } from '../../detector/decode/decoder-args.ts';
import { HwaccelFallback } from '../../detector/decode/hwaccel.ts';
import type { InferencePool } from '../../detector/inference/inference-pool.ts';
import type { Scheduler } from '../../detector/inference/scheduler.ts';
import { DetectorMetrics } from '../../detector/metrics.ts';
import { DEFAULT_GATE, DEFAULT_MOTION } from '../../detector/motion/settings.ts';
import type { FrameResult } from '../../detector/publisher.ts';
import { ObjectTracker } from '../../detector/track/index.ts';
import { SUPERVISION } from './decode-cost.ts';

/** The default detect rate (`detect.fps`). */
export const BENCH_FPS = 5;

export interface BenchCameraOptions {
  id: string;
  /** A local video file. */
  clip: string;
  pool: InferencePool;
  scheduler: Scheduler;
  /** The motion gate on or off (the motion settings are the defaults). */
  gate: boolean;
  /** Play the clip over and over (else the decoder ends with the file). */
  loop: boolean;
  /** Restart the decoder after it ends (a looping camera that must survive hiccups). Default false. */
  restart?: boolean;
  /** Frames per second delivered (default BENCH_FPS); 'source': every decoded frame of the clip. */
  fps?: number | 'source';
  /** Every frame's result (inferred or gated); what it returns is ignored. */
  onFrame: (result: FrameResult) => unknown;
}

export function benchCamera({ id, clip, pool, scheduler, gate, loop, restart = false, fps = BENCH_FPS, onFrame }: BenchCameraOptions): CameraDetector {
  return new CameraDetector({
    id,
    decoder: {
      input: decoderInputFrom(clip, { loop, realtime: true }),
      strategy: 'all',
      ...(fps !== 'source' ? { fps } : {}),
      width: pool.info.inputWidth,
      height: pool.info.inputHeight,
      ...SUPERVISION,
      restart,
    },
    hwaccel: new HwaccelFallback({ mode: 'none', reason: 'bench' }, 60_000),
    postprocess: { minScore: 0.5, iouThreshold: 0.45 },
    scheduler,
    tracker: new ObjectTracker(),
    sink: { frame: (result) => void onFrame(result), event: () => undefined, counts: () => undefined },
    metrics: new DetectorMetrics(),
    logger: silentLogger(),
    motion: { ...DEFAULT_MOTION },
    gate: { ...DEFAULT_GATE, enabled: gate },
  });
}
