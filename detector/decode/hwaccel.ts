/**
 * Hardware decode: which method to use, the exact ffmpeg arguments for it, and the fallback state
 * that drops to software when a hardware decoder fails to start or dies early, then retries
 * hardware after `retryAfterMs`. Nothing here spawns a long-lived child; probing uses execa with a
 * deadline.
 */
import { existsSync, readdirSync } from 'node:fs';
import { execa } from 'execa';

export type HwaccelMode = 'auto' | 'none' | 'vaapi' | 'qsv' | 'cuda' | 'v4l2m2m';
/** A mode that names one concrete decoder path (auto resolved). */
export type ConcreteHwaccel = Exclude<HwaccelMode, 'auto'>;

/** What this machine offers, as seen by `probeHwaccelEnvironment` (injectable for tests). */
export interface HwaccelEnvironment {
  /** `/dev/dri/renderD*` nodes, sorted. */
  renderNodes: string[];
  /** Methods from `ffmpeg -hwaccels`. */
  ffmpegHwaccels: string[];
  /** Decoders from `ffmpeg -decoders` that matter here (h264_v4l2m2m, h264_qsv...). */
  ffmpegDecoders: string[];
  /** An NVIDIA device node exists (/dev/nvidia0). */
  nvidiaDevice: boolean;
  /** A V4L2 memory-to-memory decoder node exists (Raspberry Pi: /dev/video10). */
  v4l2m2mDevice: boolean;
}

/** The choice made for one camera and why (logged once at start). */
export interface HwaccelChoice {
  mode: ConcreteHwaccel;
  device?: string;
  reason: string;
}

/** ffmpeg arguments for one mode: input options (before -i) and filters to run before showinfo/scale. */
export interface HwaccelArgs {
  input: string[];
  filters: string[];
}

const DEFAULT_RENDER_NODE = '/dev/dri/renderD128';

function listRenderNodes(dir = '/dev/dri'): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /^renderD\d+$/.test(name))
      .sort()
      .map((name) => `${dir}/${name}`);
  } catch {
    return [];
  }
}

/** Looks at device nodes and asks ffmpeg what it supports; each ffmpeg call has a deadline. */
export async function probeHwaccelEnvironment(ffmpegPath = 'ffmpeg', timeoutMs = 5000): Promise<HwaccelEnvironment> {
  const run = async (args: string[]) => {
    try {
      return (await execa(ffmpegPath, ['-hide_banner', ...args], { timeout: timeoutMs, stdin: 'ignore' })).stdout;
    } catch {
      return '';
    }
  };
  const [hwaccelText, decoderText] = await Promise.all([run(['-hwaccels']), run(['-decoders'])]);
  const ffmpegHwaccels = hwaccelText
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => /^[a-z0-9_]+$/.test(line));
  const ffmpegDecoders = [...decoderText.matchAll(/^\s*V\S*\s+(\S+_(?:v4l2m2m|qsv|cuvid))\s/gm)].map((match) => match[1] ?? '');
  return {
    renderNodes: listRenderNodes(),
    ffmpegHwaccels,
    ffmpegDecoders,
    nvidiaDevice: existsSync('/dev/nvidia0'),
    v4l2m2mDevice: existsSync('/dev/video10'),
  };
}

/**
 * Resolves the configured mode. `auto` picks what exists: CUDA (NVIDIA node + ffmpeg cuda), VAAPI
 * (render node + ffmpeg vaapi), V4L2 M2M (Pi decoder node + h264_v4l2m2m), else software. An
 * explicit mode is honoured even if it looks absent: the fallback path handles a failing start.
 */
export function chooseHwaccel(requested: HwaccelMode, env: HwaccelEnvironment, device?: string): HwaccelChoice {
  const renderNode = device ?? env.renderNodes[0] ?? DEFAULT_RENDER_NODE;
  switch (requested) {
    case 'none':
      return { mode: 'none', reason: 'configured: none' };
    case 'vaapi':
    case 'qsv':
      return { mode: requested, device: renderNode, reason: `configured: ${requested}` };
    case 'cuda':
      return { mode: 'cuda', device: device ?? '0', reason: 'configured: cuda' };
    case 'v4l2m2m':
      return { mode: 'v4l2m2m', reason: 'configured: v4l2m2m' };
    case 'auto':
      if (env.nvidiaDevice && env.ffmpegHwaccels.includes('cuda')) return { mode: 'cuda', device: device ?? '0', reason: 'auto: /dev/nvidia0 and ffmpeg cuda' };
      if (env.renderNodes.length > 0 && env.ffmpegHwaccels.includes('vaapi')) {
        return { mode: 'vaapi', device: renderNode, reason: `auto: ${renderNode} and ffmpeg vaapi` };
      }
      if (env.v4l2m2mDevice && env.ffmpegDecoders.includes('h264_v4l2m2m')) return { mode: 'v4l2m2m', reason: 'auto: /dev/video10 and h264_v4l2m2m' };
      return { mode: 'none', reason: env.renderNodes.length === 0 ? 'auto: no render node or GPU found' : 'auto: ffmpeg lists no usable hwaccel' };
  }
}

/** Exact ffmpeg arguments per mode. Frames are downloaded to system memory (nv12) before the letterbox. */
export function hwaccelArgs(mode: ConcreteHwaccel, device?: string): HwaccelArgs {
  switch (mode) {
    case 'none':
      return { input: [], filters: [] };
    case 'vaapi':
      return {
        input: ['-hwaccel', 'vaapi', '-hwaccel_device', device ?? DEFAULT_RENDER_NODE, '-hwaccel_output_format', 'vaapi'],
        filters: ['hwdownload', 'format=nv12'],
      };
    case 'qsv':
      return {
        input: ['-hwaccel', 'qsv', '-qsv_device', device ?? DEFAULT_RENDER_NODE, '-hwaccel_output_format', 'qsv', '-c:v', 'h264_qsv'],
        filters: ['hwdownload', 'format=nv12'],
      };
    case 'cuda':
      return {
        input: ['-hwaccel', 'cuda', '-hwaccel_device', device ?? '0', '-hwaccel_output_format', 'cuda'],
        filters: ['hwdownload', 'format=nv12'],
      };
    case 'v4l2m2m':
      // The M2M decoder outputs system-memory frames already; no download step.
      return { input: ['-c:v', 'h264_v4l2m2m'], filters: [] };
  }
}

/**
 * Per-camera hardware/software state. While hardware is `preferred` and has not failed recently,
 * `active()` is the hardware choice; after an early failure it is software until `retryAfterMs`
 * has passed, then hardware is tried again.
 */
export class HwaccelFallback {
  #retryAt = 0;
  #fallbacks = 0;
  #lastReason: string | undefined;

  constructor(
    readonly preferred: HwaccelChoice,
    readonly retryAfterMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The choice to use for the next decoder start. */
  active(): HwaccelChoice {
    if (this.preferred.mode === 'none' || this.now() >= this.#retryAt) return this.preferred;
    return { mode: 'none', reason: `fallback from ${this.preferred.mode}: ${this.#lastReason ?? 'failed'}` };
  }

  /** Records that a hardware decoder failed to start or died early; returns true if this starts a fallback. */
  reportEarlyFailure(mode: ConcreteHwaccel, reason: string): boolean {
    if (mode === 'none') return false;
    this.#retryAt = this.now() + this.retryAfterMs;
    this.#lastReason = reason;
    this.#fallbacks++;
    return true;
  }

  get fallbacks(): number {
    return this.#fallbacks;
  }

  /** When hardware will be tried again (ms since epoch), or 0 if not in fallback. */
  get retryAt(): number {
    return this.now() < this.#retryAt ? this.#retryAt : 0;
  }
}
