/**
 * Test clips rendered with real ffmpeg: a dark background with solid coloured rectangles moving at
 * known speeds, so a test knows where every box is at every pts. (The bundled test model finds red
 * "person" and green "car" rectangles; see scripts/make-test-models.py.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { silentLogger } from '../../common/log.ts';
import { decoderInputFrom, type DecoderInput } from '../decode/decoder-args.ts';
import type { DecoderOptions } from '../decode/decoder.ts';
import { HwaccelFallback } from '../decode/hwaccel.ts';

export interface MovingBox {
  /** ffmpeg colour, e.g. 0xE01818. */
  color: string;
  width: number;
  height: number;
  x0: number;
  y0: number;
  /** Pixels per second. */
  vx: number;
  vy: number;
}

export interface ClipSpec {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  /** Keyframe interval in frames. */
  gop: number;
  boxes?: MovingBox[];
  background?: string;
}

/** Where a box is at time t (overlay rounds positions down to even pixels for yuv420p). */
export function boxAt(box: MovingBox, t: number): [number, number, number, number] {
  const x = Math.floor((box.x0 + box.vx * t) / 2) * 2;
  const y = Math.floor((box.y0 + box.vy * t) / 2) * 2;
  return [x, y, x + box.width, y + box.height];
}

export function iou(a: readonly number[], b: readonly number[]): number {
  const [ax1 = 0, ay1 = 0, ax2 = 0, ay2 = 0] = a;
  const [bx1 = 0, by1 = 0, bx2 = 0, by2 = 0] = b;
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

/** Renders an H.264 MP4 (yuv420p) at `path`. */
export async function renderClip(path: string, spec: ClipSpec): Promise<void> {
  const boxes = spec.boxes ?? [];
  const inputs = [`color=c=${spec.background ?? '0x282828'}:s=${spec.width}x${spec.height}:r=${spec.fps}:d=${spec.seconds}`];
  for (const box of boxes) inputs.push(`color=c=${box.color}:s=${box.width}x${box.height}:r=${spec.fps}:d=${spec.seconds}`);
  let graph = inputs.map((input, index) => `${input}[s${index}]`).join(';');
  let last = 's0';
  boxes.forEach((box, index) => {
    graph += `;[${last}][s${index + 1}]overlay=x='${box.x0}+${box.vx}*t':y='${box.y0}+${box.vy}*t':shortest=1[o${index}]`;
    last = `o${index}`;
  });
  graph += `;[${last}]format=yuv420p[out]`;
  await execa(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-y', '-filter_complex', graph, '-map', '[out]', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(spec.gop), '-keyint_min', String(spec.gop), '-sc_threshold', '0', '-bf', '0', path],
    { timeout: 60_000, stdin: 'ignore' },
  );
}

/** A temp dir removed by `dispose()`. */
export function tempDir(prefix = 'lookout-detector-'): { path: string; dispose(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/** A red "person" and a green "car" moving across a 1280x720 frame (the test model's two classes). */
export const PERSON: MovingBox = { color: '0xE01818', width: 240, height: 200, x0: 100, y0: 150, vx: 120, vy: 0 };
export const CAR: MovingBox = { color: '0x18D018', width: 200, height: 160, x0: 900, y0: 420, vx: -100, vy: -20 };

/** Fraction of (frame, known box) pairs with a same-label detection at IoU ≥ 0.5. */
export function matchRate(lines: Array<{ pts: number; detections: Array<{ label: string; box: readonly number[] }> }>, boxes: Array<[string, MovingBox]>): number {
  let hits = 0;
  let total = 0;
  for (const line of lines) {
    for (const [label, box] of boxes) {
      total++;
      const want = boxAt(box, line.pts);
      if (line.detections.some((detection) => detection.label === label && iou(detection.box, want) >= 0.5)) hits++;
    }
  }
  return total === 0 ? 0 : hits / total;
}


/**
 * A software decoder over a file, run once to its end: the settings decoder tests and benchmarks
 * share (every frame unless `fps` is given, 320×320 model frames, generous stall/start bounds); pass
 * what a test is about.
 */
/** Decoder options for a test or bench reading `input`: software decode, no restart, quiet. */
export function decoderTestOptions(input: DecoderInput, options: Partial<DecoderOptions> & Pick<DecoderOptions, 'onFrame'>): DecoderOptions {
  return {
    name: 'test',
    input,
    strategy: 'all',
    width: 320,
    height: 320,
    hwaccel: new HwaccelFallback({ mode: 'none', reason: 'test' }, 60_000),
    restart: false,
    stallMs: 20_000,
    startMs: 20_000,
    backoff: { initialMs: 100, maxMs: 100, resetAfterMs: 1000 },
    logger: silentLogger(),
    ...options,
  };
}

/** The same for a clip file. */
export function fileDecoderOptions(path: string, options: Partial<DecoderOptions> & Pick<DecoderOptions, 'onFrame'>): DecoderOptions {
  return decoderTestOptions(decoderInputFrom(path), options);
}
