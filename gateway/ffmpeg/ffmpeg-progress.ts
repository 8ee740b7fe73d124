/**
 * Parser for ffmpeg's `-progress pipe:N` output: blocks of `key=value` lines, each block ending with
 * `progress=continue` (or `progress=end` when ffmpeg finishes).
 *
 * Liveness alone says nothing (a stuck ffmpeg is alive); progress means `frame` or `out_time_us`
 * went up since the last block, which is what the stall watchdog and "publishing confirmed" use.
 */

export interface ProgressSnapshot {
  /** Frames written so far (stays 0 for audio-only or some copy paths; then out_time_us counts). */
  frame: number;
  /** Output timestamp in microseconds. */
  outTimeUs: number;
  /** Every key of the block as ffmpeg wrote it (fps, bitrate, speed, ...). */
  fields: Readonly<Record<string, string>>;
}

export interface ProgressHandlers {
  /** Called when a block shows that frame or out_time_us advanced. */
  onProgress(snapshot: ProgressSnapshot): void;
  /** Called on `progress=end`. */
  onEnd?(snapshot: ProgressSnapshot): void;
}

/** Longest partial line kept; ffmpeg's lines are short, so anything longer is garbage and dropped. */
const MAX_PARTIAL = 4096;

function toInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value.trim())) return undefined;
  const parsed = Number(value.trim());
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

export class FfmpegProgressParser {
  #partial = '';
  #block: Record<string, string> = {};
  #lastFrame = 0;
  #lastOutTimeUs = 0;
  #blocks = 0;

  constructor(private readonly handlers: ProgressHandlers) {}

  /** Number of complete blocks seen (advancing or not). */
  get blocks(): number {
    return this.#blocks;
  }

  /** Feeds raw bytes from the progress pipe; chunks may split lines anywhere. */
  push(chunk: Buffer | string): void {
    const text = this.#partial + chunk.toString();
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    if (this.#partial.length > MAX_PARTIAL) this.#partial = '';
    for (const line of lines) this.#line(line.trim());
  }

  #line(line: string): void {
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key !== 'progress') {
      this.#block[key] = value;
      return;
    }
    const fields = this.#block;
    this.#block = {};
    this.#blocks++;
    const frame = toInteger(fields.frame) ?? this.#lastFrame;
    const outTimeUs = toInteger(fields.out_time_us) ?? this.#lastOutTimeUs;
    const advanced = frame > this.#lastFrame || outTimeUs > this.#lastOutTimeUs;
    this.#lastFrame = Math.max(frame, this.#lastFrame);
    this.#lastOutTimeUs = Math.max(outTimeUs, this.#lastOutTimeUs);
    const snapshot: ProgressSnapshot = { frame: this.#lastFrame, outTimeUs: this.#lastOutTimeUs, fields };
    if (advanced) this.handlers.onProgress(snapshot);
    if (value === 'end') this.handlers.onEnd?.(snapshot);
  }
}
