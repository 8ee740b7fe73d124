/**
 * The ffmpeg command line of one decoder: input options (transport, timeouts, protocol whitelist,
 * hwaccel), the decode strategy, and a filter chain that samples, reports each frame (showinfo: pts
 * and source size on stderr), letterboxes to the model input inside ffmpeg and writes raw RGB24 on
 * stdout; optionally a second output of the same frames at a useful resolution (PPM on fd 3) for
 * snapshots. `all` reads the source itself and samples with an fps filter; `keyframes` is the decode
 * stage behind a demux stage (keyframe-pipeline.ts) and reads NUT from stdin. The raw output is
 * encoded on one thread: rawvideo supports frame threads, and with them every frame waits in the
 * encoder for the next one (measured: one output frame late, 0.2 s at 5 fps, 2 s for 2 s-GOP
 * keyframes). Pure: tested without spawning.
 */
import { parseCameraSource, type CameraSource } from '../../common/config/camera-source.ts';
import { hwaccelArgs, type ConcreteHwaccel } from './hwaccel.ts';

/** Where a decoder reads from. */
export type DecoderInput =
  | { kind: 'rtsp'; url: string; transport: 'tcp' | 'udp' }
  | { kind: 'http' | 'rtmp'; url: string }
  | { kind: 'file'; path: string; loop: boolean; realtime: boolean }
  | { kind: 'v4l2'; device: string };

export type DecodeStrategy = 'all' | 'keyframes';

export interface DecoderArgsOptions {
  input: DecoderInput;
  strategy: DecodeStrategy;
  /** Frames per second to deliver; undefined = every decoded frame (CLI without --fps). */
  fps?: number;
  /** Model input size: frames are letterboxed to exactly this. */
  width: number;
  height: number;
  hwaccel: ConcreteHwaccel;
  hwaccelDevice?: string;
  /** Socket I/O timeout for network inputs. */
  ioTimeoutMs?: number;
  /** Also write the sampled frames at this height (never upscaled) as PPM on fd 3, for snapshots and latest.jpg. */
  fullFrameHeight?: number;
}

/** Pad colour of the letterbox (114, the YOLO convention). */
export const PAD_COLOR = '0x727272';

/** Protocols ffmpeg may open per input kind (a URL cannot make it open anything else). */
export const PROTOCOL_WHITELIST: Record<DecoderInput['kind'], string | undefined> = {
  rtsp: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls,crypto',
  http: 'http,https,tcp,tls,crypto',
  rtmp: 'rtmp,rtmps,tcp,tls',
  file: 'file',
  v4l2: undefined,
};

/** How a decoder opens its source (the `all` decoder and the keyframe demux stage). */
export function inputArgs(input: DecoderInput, ioTimeoutMs: number): string[] {
  const whitelist = PROTOCOL_WHITELIST[input.kind];
  const guard = whitelist ? ['-protocol_whitelist', whitelist] : [];
  const micros = String(Math.round(ioTimeoutMs * 1000));
  switch (input.kind) {
    case 'rtsp':
      return [...guard, '-rtsp_transport', input.transport, '-timeout', micros, '-i', input.url];
    case 'http':
    case 'rtmp':
      return [...guard, '-rw_timeout', micros, '-i', input.url];
    case 'file':
      return [...guard, ...(input.realtime ? ['-re'] : []), ...(input.loop ? ['-stream_loop', '-1'] : []), '-i', `file:${input.path}`];
    case 'v4l2':
      return ['-f', 'v4l2', '-i', input.device];
  }
}

/**
 * The same input options for a one-shot ffprobe (no `-re` or `-stream_loop`: a probe reads a file
 * once, as fast as it can), announcing itself with `userAgent` on RTSP/HTTP.
 */
export function probeInputArgs(input: DecoderInput, ioTimeoutMs: number, userAgent?: string): string[] {
  const args = inputArgs(input.kind === 'file' ? { ...input, loop: false, realtime: false } : input, ioTimeoutMs);
  if (userAgent === undefined || (input.kind !== 'rtsp' && input.kind !== 'http')) return args;
  return [...args.slice(0, -2), '-user_agent', userAgent, ...args.slice(-2)];
}

/**
 * Keeps only key frames (the demux stage also passes the packets that flush the reorder buffer) and,
 * with an fps, at most `fps` of them per second without duplicating any.
 */
function keyframeSelect(fps: number | undefined): string {
  if (fps === undefined) return `select='key'`;
  const minGap = (1 / fps) * 0.9;
  return `select='key*(isnan(prev_selected_t)+gte(t-prev_selected_t\\,${minGap.toFixed(4)}))'`;
}

/** Sampling, hardware download and the per-frame report: what both outputs share. */
function sharedFilters(options: Pick<DecoderArgsOptions, 'strategy' | 'fps' | 'hwaccel' | 'hwaccelDevice'>): string[] {
  const filters: string[] = [];
  if (options.strategy === 'keyframes') filters.push(keyframeSelect(options.fps));
  else if (options.fps !== undefined) filters.push(`fps=${options.fps}`);
  filters.push(...hwaccelArgs(options.hwaccel, options.hwaccelDevice).filters);
  filters.push('showinfo=checksum=0');
  return filters;
}

/** Letterbox to the model input, rgb24. */
function letterboxFilters(width: number, height: number): string[] {
  return [`scale=${width}:${height}:force_original_aspect_ratio=decrease:flags=bilinear`, 'format=rgb24', `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2:color=${PAD_COLOR}`];
}

/** The -vf chain: sample → hw download → showinfo → letterbox → rgb24. */
export function buildFilterChain(options: Pick<DecoderArgsOptions, 'strategy' | 'fps' | 'width' | 'height' | 'hwaccel' | 'hwaccelDevice'>): string {
  return [...sharedFilters(options), ...letterboxFilters(options.width, options.height)].join(',');
}

/**
 * The -filter_complex graph with a second output: the sampled frames are split once, one branch
 * letterboxed for the model ([model]), the other scaled to `fullFrameHeight` (never up) for
 * snapshots and latest.jpg ([full]). Both branches see the same frames, so frame n matches frame n.
 */
export function buildFilterGraph(options: Pick<DecoderArgsOptions, 'strategy' | 'fps' | 'width' | 'height' | 'hwaccel' | 'hwaccelDevice'> & { fullFrameHeight: number }): string {
  const full = `scale=w=-2:h='min(${options.fullFrameHeight},ih)':flags=bilinear,format=rgb24`;
  return `[0:v:0]${sharedFilters(options).join(',')},split=2[lb][fr];[lb]${letterboxFilters(options.width, options.height).join(',')}[model];[fr]${full}[full]`;
}

/** The model frames: raw RGB24 on stdout. */
const RAW_MODEL_OUTPUT = ['-fps_mode', 'passthrough', '-pix_fmt', 'rgb24', '-threads', '1', '-f', 'rawvideo', 'pipe:1'];

/** The keyframe decode stage's input: NUT from the demux stage, no probing delay, slice threads only (frame threads hold output back). */
export const KEYFRAME_DECODE_INPUT = ['-thread_type', 'slice', '-probesize', '32', '-analyzeduration', '0', '-f', 'nut', '-i', 'pipe:0'];

/** The file descriptor of the full-frame output (PPM images). */
export const FULL_FRAME_FD = 3;

/** Full argument vector (without the ffmpeg binary); for `keyframes`, that of the decode stage. */
export function buildDecoderArgs(options: DecoderArgsOptions): string[] {
  const hw = hwaccelArgs(options.hwaccel, options.hwaccelDevice);
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    // info level: showinfo reports each frame's pts and size on stderr.
    '-loglevel',
    'info',
    ...hw.input,
    ...(options.strategy === 'keyframes' ? KEYFRAME_DECODE_INPUT : inputArgs(options.input, options.ioTimeoutMs ?? 10_000)),
    ...(options.fullFrameHeight === undefined
      ? ['-map', '0:v:0', '-an', '-sn', '-dn', '-vf', buildFilterChain(options), ...RAW_MODEL_OUTPUT]
      : [
          '-filter_complex',
          buildFilterGraph({ ...options, fullFrameHeight: options.fullFrameHeight }),
          '-map',
          '[model]',
          ...RAW_MODEL_OUTPUT,
          '-map',
          '[full]',
          '-fps_mode',
          'passthrough',
          '-c:v',
          'ppm',
          '-f',
          'image2pipe',
          `pipe:${FULL_FRAME_FD}`,
        ]),
  ];
}

/** A camera source string or CLI argument that cannot be read by the detector. */
export class DecoderInputError extends Error {
  override readonly name = 'DecoderInputError';
}

/** Classifies a URL, file:// URL, device or plain path into a decoder input (schemes as the gateway reads them). */
export function decoderInputFrom(
  source: string,
  options: { transport?: 'tcp' | 'udp'; loop?: boolean; realtime?: boolean } = {},
): DecoderInput {
  const file = (path: string): DecoderInput => ({ kind: 'file', path, loop: options.loop ?? false, realtime: options.realtime ?? false });
  if (!/^[a-z][a-z0-9+.-]*:/i.test(source) && !/^\/dev\/video\d+$/.test(source)) return file(source);
  let parsed: CameraSource;
  try {
    parsed = parseCameraSource(source);
  } catch (error) {
    throw new DecoderInputError(`the detector cannot read this source: ${(error as Error).message} (use rtsp, http, rtmp, file or a /dev/video device)`);
  }
  switch (parsed.kind) {
    case 'rtsp':
      return { kind: 'rtsp', url: parsed.url, transport: options.transport ?? 'tcp' };
    case 'http':
    case 'rtmp':
      return { kind: parsed.kind, url: parsed.url };
    case 'v4l2':
      return { kind: 'v4l2', device: parsed.device };
    case 'file':
      return file(parsed.path);
    case 'testsrc':
      throw new DecoderInputError('the detector cannot read a testsrc:// pattern directly: read it from mediamtx (read_from: mediamtx)');
  }
}

/**
 * How far a measured keyframe interval may exceed 1/fps and still count as equal: timestamps are
 * rounded to the stream's time base (90 kHz over RTP, often 1/12800 in MP4) and ffprobe prints 6
 * decimals, so an exact 0.2 s GOP can read as 0.200011.
 */
export const KEYFRAME_INTERVAL_TOLERANCE_SEC = 0.001;

/**
 * Chooses the cheapest strategy that serves `fps`: `auto` decodes keyframes only when the keyframe
 * interval is at most 1/fps (keyframes alone give at least the detect rate), else every frame.
 * Without an fps or a measured interval it cannot know, so it decodes every frame.
 */
export function chooseStrategy(requested: 'auto' | DecodeStrategy, fps: number | undefined, keyframeIntervalSec: number | undefined): DecodeStrategy {
  if (requested !== 'auto') return requested;
  if (fps === undefined || keyframeIntervalSec === undefined || !(fps > 0) || !(keyframeIntervalSec > 0)) return 'all';
  return keyframeIntervalSec <= 1 / fps + KEYFRAME_INTERVAL_TOLERANCE_SEC ? 'keyframes' : 'all';
}
