/**
 * `lookout detect`'s command line: the usage text, parsing with errors that name the flag, and the
 * motion, gate and tracking settings from `--config` / `--zones`. The config loader (zod schemas,
 * YAML) is imported only when one of those flags is given: a plain run does not pay the memory of
 * modules it never uses (see docs/capacity.md, memory).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { DecodeStrategy } from '../../detector/decode/decoder-args.ts';
import type { HwaccelMode } from '../../detector/decode/hwaccel.ts';
import { autoThreads } from '../../detector/model/cpu-budget.ts';
import { DEMO_MODEL_PATH } from '../../detector/model/demo-model.ts';
import { DEFAULT_GATE, DEFAULT_MOTION, gateSettingsFrom, motionSettingsFrom, type GateSettings, type MotionSettings } from '../../detector/motion/settings.ts';
import { trackSettings, type TrackSettings } from '../../detector/track/settings.ts';

export const USAGE = `usage: lookout detect <file-or-url> [options]

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

export interface DetectOptions {
  help: false;
  source: string;
  model: string;
  labels: string | undefined;
  fps: number | undefined;
  maxFrames: number | undefined;
  score: number;
  iou: number;
  decode: 'auto' | DecodeStrategy;
  hwaccel: HwaccelMode;
  hwaccelDevice: string | undefined;
  threads: number;
  loop: boolean;
  transport: 'tcp' | 'udp';
  motion: MotionSettings;
  gate: GateSettings;
  track: TrackSettings;
  events: boolean;
}

function numberOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) throw new DetectUsageError(`--${name} must be a number between ${min} and ${max} (got "${value.slice(0, 20)}")`);
  return parsed;
}

/** Parses argv; throws DetectUsageError (or node's ERR_PARSE_ARGS_*) on bad input. */
export async function parseDetectArgs(argv: string[]): Promise<DetectOptions | { help: true }> {
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
  const motionConfig = await cameraMotionSettings(values.config, values.camera);
  const gate = { ...motionConfig.gate, ...(gateFlag !== undefined ? { enabled: gateFlag === 'on' } : {}) };
  const model = values.model ?? DEMO_MODEL_PATH;
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
    track: await cliTrackSettings(values.zones, values.config, values.camera, values.fps),
    events: values.events ?? false,
  };
}

/** Zones, masks and lifecycle settings: from `--zones FILE`, else the `--config` camera's, else defaults. */
async function cliTrackSettings(zonesFile: string | undefined, configFile: string | undefined, cameraId: string | undefined, fpsText: string | undefined): Promise<TrackSettings> {
  const fps = fpsText === undefined ? undefined : Number(fpsText);
  if (zonesFile === undefined && configFile === undefined) return trackSettings(fps);
  const [{ ConfigError }, { trackSettingsFromConfigCamera, trackSettingsFromZonesFile }] = await Promise.all([import('../../common/config/load.ts'), import('../../detector/track/settings-file.ts')]);
  try {
    if (zonesFile !== undefined) return trackSettingsFromZonesFile(zonesFile, fps);
    return (configFile !== undefined ? trackSettingsFromConfigCamera(configFile, cameraId, fps) : undefined) ?? trackSettings(fps);
  } catch (error) {
    if (error instanceof ConfigError) throw new DetectUsageError(`--zones: ${error.message}`);
    throw error;
  }
}

/** Motion and gate settings: the defaults, or those of a camera in `--config`. */
async function cameraMotionSettings(file: string | undefined, cameraId: string | undefined): Promise<{ motion: MotionSettings; gate: GateSettings }> {
  if (file === undefined) {
    if (cameraId !== undefined) throw new DetectUsageError('--camera needs --config');
    return { motion: { ...DEFAULT_MOTION }, gate: { ...DEFAULT_GATE } };
  }
  const { ConfigError, loadConfigFile } = await import('../../common/config/load.ts');
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
