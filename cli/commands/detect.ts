/**
 * `lookout detect <file-or-url> --model m.onnx`: runs the detector's decode → infer path once over a
 * clip or stream and prints one JSON line per sampled frame. Every sampled frame is processed (no
 * latest-wins drops here): when inference falls behind, the decoder child is held (SIGSTOP) so its
 * pipe fills and ffmpeg waits. The same motion gate as the detector service decides which frames
 * reach the model (`--motion-gate`, or a camera's settings from `--config`); a gated frame is still
 * printed, with `"inferred": false` and no detections.
 */
import { Decoder } from '../../detector/decode/decoder.ts';
import { decoderInputFrom, DecoderInputError } from '../../detector/decode/decoder-args.ts';
import { planDecode } from '../../detector/decode/decode-plan.ts';
import type { DecodedFrame } from '../../detector/decode/frame-parser.ts';
import { HwaccelFallback, probeHwaccelEnvironment } from '../../detector/decode/hwaccel.ts';
import { InferencePool } from '../../detector/inference/inference-pool.ts';
import { MotionGate } from '../../detector/motion/gate.ts';
import { MotionDetector } from '../../detector/motion/motion-detector.ts';
import { ObjectTracker, type TrackEvent } from '../../detector/track/index.ts';
import { FrigateEventFormatter } from '../../control/events/frigate-events.ts';
import { DetectUsageError, parseDetectArgs, USAGE, type DetectOptions } from './detect-options.ts';
import { frameLine, stderrLogger } from './detect-output.ts';

export { DetectUsageError, frameLine };
export type { FrameFlags } from './detect-output.ts';

export const summary = 'run a YOLO model over a clip or stream and print detections as JSON lines';

/** Frames queued ahead of inference before the decoder is held. */
const HIGH_WATER = 4;

export async function run(argv: string[]): Promise<number> {
  let options: DetectOptions | { help: true };
  try {
    options = await parseDetectArgs(argv);
  } catch (error) {
    if (error instanceof DetectUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`lookout detect: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const logger = stderrLogger(process.env.LOOKOUT_LOG_LEVEL ?? 'warn');
  let input;
  try {
    input = decoderInputFrom(options.source, { transport: options.transport, loop: options.loop, realtime: false });
  } catch (error) {
    if (error instanceof DecoderInputError) {
      process.stderr.write(`lookout detect: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const pool = await InferencePool.create({
    modelPath: options.model,
    ...(options.labels ? { labelsFile: options.labels } : {}),
    threads: options.threads,
    workers: 1,
    timeoutMs: 60_000,
    logger,
  });
  const env = options.hwaccel === 'auto' ? await probeHwaccelEnvironment() : { renderNodes: [], ffmpegHwaccels: [], ffmpegDecoders: [], nvidiaDevice: false, v4l2m2mDevice: false };
  // The detector service's own plan (detector/decode/decode-plan.ts), for one stream.
  const plan = await planDecode({ input, decode: options.decode, fps: options.fps, hwaccel: options.hwaccel, hwaccelDevice: options.hwaccelDevice, env });
  const hwaccel = new HwaccelFallback(plan.hwaccel, 3_600_000);
  const { strategy } = plan;

  const queue: DecodedFrame[] = [];
  let wake: (() => void) | undefined;
  const signalWake = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const decoder = new Decoder({
    name: 'cli',
    input,
    strategy,
    ...(options.fps !== undefined ? { fps: options.fps } : {}),
    width: pool.info.inputWidth,
    height: pool.info.inputHeight,
    hwaccel,
    restart: false,
    stallMs: 30_000,
    startMs: 30_000,
    backoff: { initialMs: 1000, maxMs: 1000, resetAfterMs: 1000 },
    logger,
    onFrame: (frame) => {
      queue.push(frame);
      if (queue.length >= HIGH_WATER) decoder.holdOutput();
      signalWake();
    },
  });
  let ended = false;
  const onSignal = () => {
    void decoder.stop();
  };
  let outputClosed = false;
  // A reader that went away (`| head`) ends the run cleanly instead of crashing past the child.
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') outputClosed = true;
    void decoder.stop();
  };
  // Kept for the life of this CLI process: the error may be emitted after the loop ended.
  process.stdout.on('error', onStdoutError);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  decoder.start();
  // The decoder ends only after ffmpeg's output was read to its end, so no frame is still arriving.
  const end = decoder.ended.then((result) => {
    ended = true;
    signalWake();
    return result;
  });
  let processed = 0;
  let failed = false;
  // The gate needs to know whether objects are tracked (stationary ones are re-checked).
  const tracker = new ObjectTracker();
  tracker.configure('cli', options.track);
  const formatter = new FrigateEventFormatter();
  const printEvents = (events: TrackEvent[]) => {
    if (options.events) for (const event of events) process.stdout.write(`${JSON.stringify({ event: formatter.format(event).message })}\n`);
  };
  // Event times: this run's start plus the frame's pts (a file is read faster than real time).
  const startedAt = Date.now();
  const motion = new MotionDetector(options.motion, pool.info.inputWidth, pool.info.inputHeight);
  const gate = new MotionGate(options.gate);
  try {
    while ((options.maxFrames === undefined || processed < options.maxFrames) && !outputClosed) {
      const frame = queue.shift();
      if (!frame) {
        if (ended) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      if (queue.length <= 1) decoder.releaseOutput();
      const moved = motion.analyse(frame.data, frame.letterbox).motion;
      const infer = gate.decide(moved, tracker.liveTracks('cli')).infer;
      const detections = infer ? await pool.infer({ data: frame.data, letterbox: frame.letterbox }, { minScore: options.score, iouThreshold: options.iou }) : [];
      decoder.recycle(frame.data);
      const kept = tracker.filter('cli', detections);
      const size = { width: frame.letterbox.srcWidth, height: frame.letterbox.srcHeight };
      const tracked = infer ? tracker.update('cli', kept, startedAt + frame.pts * 1000, size) : [];
      process.stdout.write(`${frameLine(frame, kept, { motion: moved, inferred: infer })}\n`);
      printEvents(tracked);
      processed++;
    }
    // The input ended: every object still tracked ends with it.
    if (!outputClosed) printEvents(tracker.endCamera('cli'));
  } catch (error) {
    failed = true;
    process.stderr.write(`lookout detect: inference failed: ${(error as Error).message}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await decoder.stop();
    await pool.close(5000);
  }
  const result = await end;
  if (!result.ok && processed === 0 && result.reason !== 'stopped') {
    process.stderr.write(`lookout detect: ${result.reason}\n${result.stderrTail.slice(-5).join('\n')}\n`);
    return 1;
  }
  return failed ? 1 : 0;
}
