/**
 * `lookout detect <file-or-url> --model m.onnx`: runs the detector's decode → infer path once over a
 * clip or stream and prints one JSON line per sampled frame. Every sampled frame is processed (no
 * latest-wins drops here): when inference falls behind, the decoder child is held (SIGSTOP) so its
 * pipe fills and ffmpeg waits. The same motion gate as the detector service decides which frames
 * reach the model (`--motion-gate`, or a camera's settings from `--config`); a gated frame is still
 * printed, with `"inferred": false` and no detections.
 */
import { autoThreads } from '../../detector/model/cpu-budget.ts';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfigFile } from '../../common/config/load.ts';
import type { Logger } from '../../common/log.ts';
import { secrets } from '../../common/redact.ts';
import { Decoder } from '../../detector/decode/decoder.ts';
import { chooseStrategy, decoderInputFrom, DecoderInputError, type DecodeStrategy } from '../../detector/decode/decoder-args.ts';
import type { DecodedFrame } from '../../detector/decode/frame-parser.ts';
import { chooseHwaccel, HwaccelFallback, probeHwaccelEnvironment, type HwaccelMode } from '../../detector/decode/hwaccel.ts';
import { InferencePool } from '../../detector/inference/inference-pool.ts';
import type { Detection } from '../../detector/model/types.ts';
import { MotionGate } from '../../detector/motion/gate.ts';
import { MotionDetector } from '../../detector/motion/motion-detector.ts';
import { DEFAULT_GATE, DEFAULT_MOTION, gateSettingsFrom, motionSettingsFrom, type GateSettings, type MotionSettings } from '../../detector/motion/settings.ts';
import { ObjectTracker, trackSettings, type TrackEvent, type TrackSettings } from '../../detector/track/index.ts';
import { trackSettingsFromConfigCamera, trackSettingsFromZonesFile } from '../../detector/track/settings-file.ts';
import { FrigateEventFormatter } from '../../control/events/frigate-events.ts';
import { DEFAULT_MODEL_PATH } from '../../detector/service.ts';
import { probeKeyframeInterval } from '../../detector/decode/stream-probe.ts';

export const summary = 'run a YOLO model over a clip or stream and print detections as JSON lines';

const USAGE = `usage: lookout detect <file-or-url> [options]

  --model FILE        ONNX model (default: the bundled test model)
  --labels FILE       class names, one per line (default: the model's metadata)
  --fps N             frames per second to sample (default: every frame)
  --max-frames N      stop after N processed frames
  --score S           minimum score 0..1 (default 0.5)
  --iou T             NMS IoU threshold (default 0.45)
  --decode MODE       auto | keyframes | all (default auto)
  --hwaccel MODE      auto | none | vaapi | qsv | cuda | v4l2m2m (default auto)
  --hwaccel-device D  e.g. /dev/dri/renderD128
  --threads N         onnxruntime intra-op threads (default: the cores but one, 1 to 4)
  --loop              loop a file input forever (use with --max-frames)
  --rtsp-transport T  tcp | udp (default tcp)
  --motion-gate M     on | off: run the model only on frames with motion or tracked objects
                      (default on, or the camera's detect.motion_gate with --config)
  --config FILE       take motion and gate settings from this config's camera (see --camera)
  --camera ID         the camera in --config (default: its only camera)
  --zones FILE        zones, object masks and event settings: a YAML file with the zones, objects
                      and events keys of a camera in lookout.yml (default: the --config camera's)
  --events            also print tracked objects' events, one {"event":{"type","before","after"}}
                      line each (Frigate's shape), after the frame line that caused them

Prints {"frame":n,"pts":s,"width":w,"height":h,"motion":bool,"inferred":bool,
"detections":[{"label","class","score","box":[x1,y1,x2,y2]}]} per sampled frame (box in source
pixels; a frame the motion gate skipped has "inferred":false and no detections); exits 0 at the
end of the input.
`;

/** A bad command-line value; printed with usage and exit code 2. */
export class DetectUsageError extends Error {
  override readonly name = 'DetectUsageError';
}

const HWACCEL_MODES = ['auto', 'none', 'vaapi', 'qsv', 'cuda', 'v4l2m2m'] as const;
/** Frames queued ahead of inference before the decoder is held. */
const HIGH_WATER = 4;

function numberOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) throw new DetectUsageError(`--${name} must be a number between ${min} and ${max} (got "${value.slice(0, 20)}")`);
  return parsed;
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      labels: { type: 'string' },
      fps: { type: 'string' },
      'max-frames': { type: 'string' },
      score: { type: 'string' },
      iou: { type: 'string' },
      decode: { type: 'string', default: 'auto' },
      hwaccel: { type: 'string', default: 'auto' },
      'hwaccel-device': { type: 'string' },
      threads: { type: 'string' },
      loop: { type: 'boolean' },
      'rtsp-transport': { type: 'string', default: 'tcp' },
      'motion-gate': { type: 'string' },
      config: { type: 'string' },
      camera: { type: 'string' },
      zones: { type: 'string' },
      events: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true as const };
  const source = positionals[0];
  if (!source || positionals.length > 1) throw new DetectUsageError('give exactly one <file-or-url>');
  const decode = values.decode;
  if (decode !== 'auto' && decode !== 'keyframes' && decode !== 'all') throw new DetectUsageError(`--decode must be auto, keyframes or all (got "${decode.slice(0, 20)}")`);
  if (!(HWACCEL_MODES as readonly string[]).includes(values.hwaccel)) throw new DetectUsageError(`--hwaccel must be one of ${HWACCEL_MODES.join(', ')}`);
  const transport = values['rtsp-transport'];
  if (transport !== 'tcp' && transport !== 'udp') throw new DetectUsageError('--rtsp-transport must be tcp or udp');
  const gateFlag = values['motion-gate'];
  if (gateFlag !== undefined && gateFlag !== 'on' && gateFlag !== 'off') throw new DetectUsageError(`--motion-gate must be on or off (got "${gateFlag.slice(0, 20)}")`);
  const motionConfig = cameraMotionSettings(values.config, values.camera);
  const gate = { ...motionConfig.gate, ...(gateFlag !== undefined ? { enabled: gateFlag === 'on' } : {}) };
  const model = values.model ?? DEFAULT_MODEL_PATH;
  if (!existsSync(model)) throw new DetectUsageError(`--model: ${model}: no such file`);
  return {
    help: false as const,
    source,
    model,
    labels: values.labels,
    fps: numberOption('fps', values.fps, 0.01, 240),
    maxFrames: numberOption('max-frames', values['max-frames'], 1, Number.MAX_SAFE_INTEGER),
    score: numberOption('score', values.score, 0, 1) ?? 0.5,
    iou: numberOption('iou', values.iou, 0, 1) ?? 0.45,
    decode: decode as 'auto' | DecodeStrategy,
    hwaccel: values.hwaccel as HwaccelMode,
    hwaccelDevice: values['hwaccel-device'],
    threads: numberOption('threads', values.threads, 1, 64) ?? autoThreads(1),
    loop: values.loop ?? false,
    transport: transport as 'tcp' | 'udp',
    motion: motionConfig.motion,
    gate,
    track: cliTrackSettings(values.zones, values.config, values.camera, values.fps),
    events: values.events ?? false,
  };
}

/** Zones, masks and lifecycle settings: from `--zones FILE`, else the `--config` camera's, else defaults. */
function cliTrackSettings(zonesFile: string | undefined, configFile: string | undefined, cameraId: string | undefined, fpsText: string | undefined): TrackSettings {
  const fps = fpsText === undefined ? undefined : Number(fpsText);
  try {
    if (zonesFile !== undefined) return trackSettingsFromZonesFile(zonesFile, fps);
    if (configFile !== undefined) return trackSettingsFromConfigCamera(configFile, cameraId, fps) ?? trackSettings(fps);
  } catch (error) {
    if (error instanceof ConfigError) throw new DetectUsageError(`--zones: ${error.message}`);
    throw error;
  }
  return trackSettings(fps);
}

/** Motion and gate settings: the defaults, or those of a camera in `--config`. */
function cameraMotionSettings(file: string | undefined, cameraId: string | undefined): { motion: MotionSettings; gate: GateSettings } {
  if (file === undefined) {
    if (cameraId !== undefined) throw new DetectUsageError('--camera needs --config');
    return { motion: { ...DEFAULT_MOTION }, gate: { ...DEFAULT_GATE } };
  }
  let config;
  try {
    config = loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) throw new DetectUsageError(`--config: ${error.message}`);
    throw error;
  }
  const camera = cameraId === undefined ? (config.cameras.length === 1 ? config.cameras[0] : undefined) : config.cameras.find((item) => item.id === cameraId);
  if (!camera) {
    throw new DetectUsageError(cameraId === undefined ? `--config has ${config.cameras.length} cameras: choose one with --camera` : `--camera: no camera "${cameraId.slice(0, 64)}" in ${file}`);
  }
  return { motion: motionSettingsFrom(camera.motion), gate: gateSettingsFrom(camera.detect) };
}

/** Logs go to stderr here: stdout carries only the JSON lines. Strings pass the secret redaction. */
function stderrLogger(level: string): Logger {
  return pino(
    {
      name: 'lookout-detect',
      level,
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((arg) => (typeof arg === 'string' ? secrets.redact(arg) : typeof arg === 'object' && arg !== null ? JSON.parse(secrets.redact(JSON.stringify(arg))) : arg)) as Parameters<typeof method>;
          method.apply(this, cleaned);
        },
      },
    },
    pino.destination(2),
  );
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** What the motion gate said about a printed frame. */
export interface FrameFlags {
  motion: boolean;
  inferred: boolean;
}

/** The printed JSON line for one frame. */
export function frameLine(frame: DecodedFrame, detections: Detection[], flags: FrameFlags): string {
  return JSON.stringify({
    frame: frame.index,
    pts: round(frame.pts, 6),
    width: frame.letterbox.srcWidth,
    height: frame.letterbox.srcHeight,
    motion: flags.motion,
    inferred: flags.inferred,
    detections: detections.map((detection) => ({
      label: detection.label,
      class: detection.class,
      score: round(detection.score, 4),
      box: detection.box.map((value) => round(value, 1)),
    })),
  });
}

export async function run(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv);
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
  const hwaccel = new HwaccelFallback(chooseHwaccel(options.hwaccel, env, options.hwaccelDevice), 3_600_000);
  const keyframeInterval = options.decode === 'auto' && options.fps !== undefined ? await probeKeyframeInterval(input) : undefined;
  const strategy = chooseStrategy(options.decode, options.fps, keyframeInterval);

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
