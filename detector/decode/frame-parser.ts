/**
 * Turns a decoder's two output streams into frames. stdout carries raw RGB24 frames of a fixed byte
 * size (already letterboxed by ffmpeg); stderr carries one showinfo line per frame with its pts and
 * source size. The two pipes are not ordered relative to each other, so frames and info lines are
 * paired by order, each side waiting (bounded) for the other.
 */
import type { Letterbox } from '../model/types.ts';

/** A frame ready for inference. */
export interface DecodedFrame {
  /** 0-based index among frames this decoder delivered (continues across restarts). */
  index: number;
  /** Presentation time in seconds. */
  pts: number;
  /** RGB24 HWC, model input size, letterboxed. */
  data: Uint8Array;
  letterbox: Letterbox;
  /** Date.now() when the frame was complete. */
  decodedAt: number;
  /** performance.now() when the frame was complete (for latency). */
  decodedAtMono: number;
}

/** Per-frame facts from a showinfo line. */
export interface FrameInfo {
  n: number;
  ptsTime: number;
  width: number;
  height: number;
}

const SHOWINFO = /Parsed_showinfo_\d+ @ [^\]]*\]\s+n:\s*(\d+)\s+pts:\s*-?\d+\s+pts_time:(-?[0-9.e+-]+)\s.*?\bs:(\d+)x(\d+)/;

/** Parses one showinfo frame line; undefined for every other stderr line. */
export function parseShowinfoLine(line: string): FrameInfo | undefined {
  const match = SHOWINFO.exec(line);
  if (!match) return undefined;
  const ptsTime = Number(match[2]);
  return { n: Number(match[1]), ptsTime: Number.isFinite(ptsTime) ? ptsTime : 0, width: Number(match[3]), height: Number(match[4]) };
}

/**
 * The letterbox ffmpeg's `scale=W:H:force_original_aspect_ratio=decrease` + `pad=W:H:(ow-iw)/2:(oh-ih)/2`
 * produces for a source size, with the same integer arithmetic (av_rescale rounds to nearest).
 */
export function letterboxFor(srcWidth: number, srcHeight: number, width: number, height: number): Letterbox {
  const fitW = Math.min(width, Math.round((height * srcWidth) / srcHeight));
  const fitH = Math.min(height, Math.round((width * srcHeight) / srcWidth));
  const scale = Math.min(fitW / srcWidth, fitH / srcHeight);
  return { srcWidth, srcHeight, scale, padX: Math.floor((width - fitW) / 2), padY: Math.floor((height - fitH) / 2) };
}

/** Spare frame buffers kept by recycle(). */
const MAX_SPARE_BUFFERS = 3;

/**
 * A frame buffer that owns its whole ArrayBuffer, whatever the frame size. Buffer.allocUnsafe slices
 * buffers smaller than half of Buffer.poolSize out of a shared pool, and Node 24.18 raised the pool
 * from 8 KiB to 64 KiB: a small model's frames (e.g. 96x96 RGB, 27 KiB) would then share memory,
 * pin whole pools and be refused by recycle(). allocUnsafeSlow never pools and, like allocUnsafe,
 * skips zero-filling (every byte is written before a frame is delivered).
 */
function ownedFrameBuffer(bytes: number): Buffer {
  return Buffer.allocUnsafeSlow(bytes);
}

/** True when the view covers its whole ArrayBuffer (not a pool slice or part of a larger buffer). */
function ownsItsMemory(data: Uint8Array): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}

export interface FrameAssemblerOptions {
  width: number;
  height: number;
  onFrame: (frame: DecodedFrame) => void;
  /** Bytes of complete frames held while their info line is late; beyond it the oldest is dropped. Default 64 MiB (at least 8 frames). */
  maxPendingBytes?: number;
  /** First index to assign (a restarted decoder continues counting). */
  firstIndex?: number;
}

/**
 * Splits raw bytes into frames and pairs the k-th frame of this ffmpeg run with showinfo's `n:k`
 * line. A frame waits for its line (stderr may lag stdout by many frames when decoding fast); info
 * lines wait for their frame. Both waits are bounded.
 */
export class FrameAssembler {
  readonly frameBytes: number;
  readonly #maxFrames: number;
  #buffer: Buffer;
  #filled = 0;
  /** Run-local number of the next complete frame (matches showinfo's n). */
  #runFrame = 0;
  readonly #frames: Array<{ n: number; data: Buffer; at: number; mono: number }> = [];
  readonly #infos = new Map<number, FrameInfo>();
  #nextIndex: number;
  #unpaired = 0;
  /** Frame buffers handed back by the consumer once their pixels were used (see recycle()). */
  readonly #spare: Buffer[] = [];

  constructor(private readonly options: FrameAssemblerOptions) {
    this.frameBytes = options.width * options.height * 3;
    this.#maxFrames = Math.max(8, Math.floor((options.maxPendingBytes ?? 64 * 1024 * 1024) / this.frameBytes));
    this.#buffer = ownedFrameBuffer(this.frameBytes);
    this.#nextIndex = options.firstIndex ?? 0;
  }

  get nextIndex(): number {
    return this.#nextIndex;
  }

  /** Frames dropped because their info line did not come in time. */
  get unpaired(): number {
    return this.#unpaired;
  }

  /** Bytes of a partial frame currently held. */
  get partialBytes(): number {
    return this.#filled;
  }

  pushBytes(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.frameBytes - this.#filled, chunk.length - offset);
      chunk.copy(this.#buffer, this.#filled, offset, offset + take);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.frameBytes) {
        this.#frames.push({ n: this.#runFrame++, data: this.#buffer, at: Date.now(), mono: performance.now() });
        this.#buffer = this.#spare.pop() ?? ownedFrameBuffer(this.frameBytes);
        this.#filled = 0;
        while (this.#frames.length > this.#maxFrames) {
          this.#frames.shift();
          this.#unpaired++;
        }
        this.#pair();
      }
    }
  }

  /**
   * Takes back a delivered frame's buffer for a later frame: the caller must be done with it (its
   * pixels converted or the frame dropped). Saves allocating (and collecting) one frame per frame:
   * 1.2 MB at 640², dozens of times a second. At most a few are kept; others are left to the GC.
   * Only buffers that own their whole memory are kept (a slice would pin, and write into, memory
   * shared with something else).
   */
  recycle(data: Uint8Array): void {
    if (!Buffer.isBuffer(data) || data.byteLength !== this.frameBytes || !ownsItsMemory(data) || this.#spare.length >= MAX_SPARE_BUFFERS) return;
    if (data === this.#buffer || this.#spare.includes(data) || this.#frames.some((frame) => frame.data === data)) return;
    this.#spare.push(data);
  }

  pushLine(line: string): void {
    const info = parseShowinfoLine(line);
    if (!info) return;
    this.#infos.set(info.n, info);
    // Lines for frames long gone (dropped) must not accumulate.
    if (this.#infos.size > this.#maxFrames * 4) {
      const oldest = this.#infos.keys().next().value;
      if (oldest !== undefined) this.#infos.delete(oldest);
    }
    this.#pair();
  }

  #pair(): void {
    while (this.#frames.length > 0) {
      const raw = this.#frames[0];
      if (!raw) return;
      const info = this.#infos.get(raw.n);
      if (!info) return;
      this.#frames.shift();
      this.#infos.delete(raw.n);
      this.options.onFrame({
        index: this.#nextIndex++,
        pts: info.ptsTime,
        data: raw.data,
        letterbox: letterboxFor(info.width, info.height, this.options.width, this.options.height),
        decodedAt: raw.at,
        decodedAtMono: raw.mono,
      });
    }
  }
}
