/**
 * The decoder's second output: frames at a useful resolution (`snapshots.height`, detect fps) for
 * snapshots and latest.jpg, as a stream of binary PPM images (`P6\n<w> <h>\n255\n` + RGB24). PPM
 * carries each frame's size, so the parser needs no probe, and costs ffmpeg nothing to write.
 * Frames are numbered in order: both outputs of the decoder's `split` see the same frames, so the
 * n-th full frame is the n-th model frame.
 */
import type { RgbImage } from '../snapshots/draw.ts';
import type { Size } from '../geometry/stream-geometry.ts';

export interface FullFrame {
  /** Same numbering as the model frames (DecodedFrame.index). */
  index: number;
  image: RgbImage;
  /** Date.now() when the frame was complete. */
  receivedAt: number;
  /**
   * The size to show it at when that differs from `image` (a squeezed sub-stream shown with the main
   * stream's aspect; see detector/geometry/). Pictures are resampled to it before boxes are drawn.
   */
  picture?: Size | undefined;
}

const HEADER = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/;
/** A PPM header is at most this long; more without a match means the stream is not PPM. */
const MAX_HEADER = 64;

/** Largest frame accepted (8K RGB): a corrupt header cannot make the parser allocate more. */
const MAX_FRAME_BYTES = 7680 * 4320 * 3;

export class PpmFrameParser {
  #header = Buffer.alloc(0);
  #body: Buffer | undefined;
  #filled = 0;
  #width = 0;
  #height = 0;
  #next: number;

  constructor(
    firstIndex: number,
    readonly onFrame: (frame: FullFrame) => void,
    readonly onError: (message: string) => void = () => undefined,
  ) {
    this.#next = firstIndex;
  }

  get nextIndex(): number {
    return this.#next;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.#body) {
        const take = Math.min(chunk.length - offset, MAX_HEADER - this.#header.length);
        const candidate = Buffer.concat([this.#header, chunk.subarray(offset, offset + take)]);
        const match = HEADER.exec(candidate.toString('latin1'));
        if (!match) {
          if (candidate.length >= MAX_HEADER) {
            this.onError('full-frame output is not a PPM stream');
            this.#header = Buffer.alloc(0);
            return;
          }
          this.#header = candidate;
          offset += take;
          continue;
        }
        const width = Number(match[1]);
        const height = Number(match[2]);
        const size = width * height * 3;
        if (Number(match[3]) !== 255 || size <= 0 || size > MAX_FRAME_BYTES) {
          this.onError(`unexpected PPM frame ${width}x${height} maxval ${match[3]}`);
          this.#header = Buffer.alloc(0);
          return;
        }
        // The bytes of this chunk used by the header: the match minus what was buffered before.
        offset += match[0].length - this.#header.length;
        this.#header = Buffer.alloc(0);
        this.#width = width;
        this.#height = height;
        this.#body = Buffer.allocUnsafeSlow(size);
        this.#filled = 0;
        continue;
      }
      const take = Math.min(chunk.length - offset, this.#body.length - this.#filled);
      chunk.copy(this.#body, this.#filled, offset, offset + take);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#body.length) {
        const frame: FullFrame = { index: this.#next++, image: { data: this.#body, width: this.#width, height: this.#height }, receivedAt: Date.now() };
        this.#body = undefined;
        this.onFrame(frame);
      }
    }
  }
}
