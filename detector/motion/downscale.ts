/**
 * Letterboxed RGB24 model input → small grayscale image of the content area only (the padding is
 * skipped). Box-averaged with lookup tables built once per geometry, sampling every other source
 * pixel when a cell spans at least 4×4 of them: the average over a cell also removes most sensor
 * noise, and the small image is what the background model and blob extraction work on.
 */
import type { Letterbox } from '../model/types.ts';

export interface MotionGeometry {
  /** Model input (the letterboxed frame) size. */
  inputWidth: number;
  inputHeight: number;
  /** Content area inside the letterbox. */
  x0: number;
  y0: number;
  contentWidth: number;
  contentHeight: number;
  /** Small image size. */
  width: number;
  height: number;
  /** Camera source size (a new one starts the background over). */
  sourceWidth: number;
  sourceHeight: number;
}

/** The small image's geometry for a frame's letterbox: height `frameHeight` (or less), the content's aspect ratio. */
export function motionGeometry(letterbox: Letterbox, inputWidth: number, inputHeight: number, frameHeight: number): MotionGeometry {
  const contentWidth = Math.max(1, Math.min(inputWidth - letterbox.padX, Math.round(letterbox.srcWidth * letterbox.scale)));
  const contentHeight = Math.max(1, Math.min(inputHeight - letterbox.padY, Math.round(letterbox.srcHeight * letterbox.scale)));
  const height = Math.max(1, Math.min(frameHeight, contentHeight));
  const width = Math.max(1, Math.min(contentWidth, 4 * height, Math.round((height * contentWidth) / contentHeight)));
  return { inputWidth, inputHeight, x0: letterbox.padX, y0: letterbox.padY, contentWidth, contentHeight, width, height, sourceWidth: letterbox.srcWidth, sourceHeight: letterbox.srcHeight };
}

export function sameGeometry(a: MotionGeometry, b: MotionGeometry): boolean {
  return (Object.keys(a) as Array<keyof MotionGeometry>).every((key) => a[key] === b[key]);
}

export class GrayDownscaler {
  readonly #cellOfX: Int32Array;
  readonly #rowsY: Int32Array;
  readonly #cellOfY: Int32Array;
  readonly #counts: Uint32Array;
  readonly #sums: Uint32Array;

  constructor(readonly geometry: MotionGeometry) {
    const { contentWidth, contentHeight, width, height, x0, y0 } = geometry;
    const stepX = contentWidth / width >= 4 ? 2 : 1;
    const stepY = contentHeight / height >= 4 ? 2 : 1;
    const xs: number[] = [];
    for (let x = 0; x < contentWidth; x += stepX) xs.push(x);
    const ys: number[] = [];
    for (let y = 0; y < contentHeight; y += stepY) ys.push(y);
    // Byte offset of each sampled column, then its cell.
    this.#cellOfX = new Int32Array(xs.length * 2);
    xs.forEach((x, i) => {
      this.#cellOfX[2 * i] = (x0 + x) * 3;
      this.#cellOfX[2 * i + 1] = Math.min(width - 1, Math.floor((x * width) / contentWidth));
    });
    this.#rowsY = Int32Array.from(ys, (y) => (y0 + y) * geometry.inputWidth * 3);
    this.#cellOfY = Int32Array.from(ys, (y) => Math.min(height - 1, Math.floor((y * height) / contentHeight)) * width);
    this.#counts = new Uint32Array(width * height);
    this.#sums = new Uint32Array(width * height);
    for (let r = 0; r < ys.length; r++) for (let c = 0; c < xs.length; c++) this.#counts[this.#cellOfY[r]! + this.#cellOfX[2 * c + 1]!]!++;
  }

  /** Writes the small gray image (0..255, BT.601 luma) of `rgb` into `out` (width×height). */
  apply(rgb: Uint8Array, out: Float32Array): void {
    const sums = this.#sums;
    sums.fill(0);
    const cols = this.#cellOfX;
    const colCount = cols.length;
    for (let r = 0; r < this.#rowsY.length; r++) {
      const rowOffset = this.#rowsY[r]!;
      const cellRow = this.#cellOfY[r]!;
      for (let c = 0; c < colCount; c += 2) {
        const o = rowOffset + cols[c]!;
        sums[cellRow + cols[c + 1]!]! += 77 * rgb[o]! + 150 * rgb[o + 1]! + 29 * rgb[o + 2]!;
      }
    }
    const counts = this.#counts;
    for (let i = 0; i < out.length; i++) out[i] = sums[i]! / (256 * Math.max(1, counts[i]!));
  }
}
