/**
 * From the per-pixel change mask to motion boxes: one 3×3 dilation (joins the broken outline of a
 * moving object), then 4-connected components of the dilated mask. A component counts when it
 * holds at least `minArea` pixels that really changed (dilation is only glue, so isolated noise
 * pixels never reach the minimum by being grown). Work buffers are allocated once per size.
 */

/** A motion box in small-image pixels: [x1, y1, x2, y2) (end exclusive), with its changed-pixel count. */
export interface Blob {
  box: [number, number, number, number];
  area: number;
}

export class BlobExtractor {
  readonly #dilated: Uint8Array;
  readonly #labels: Int32Array;
  readonly #stack: Int32Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    const size = width * height;
    this.#dilated = new Uint8Array(size);
    this.#labels = new Int32Array(size);
    this.#stack = new Int32Array(size);
  }

  /** Bytes held (fixed). */
  get footprintBytes(): number {
    return this.#dilated.byteLength + this.#labels.byteLength + this.#stack.byteLength;
  }

  /** Blobs of `changed` (1 = changed) with at least `minArea` changed pixels; at most `maxBlobs`, largest first. */
  extract(changed: Uint8Array, minArea: number, maxBlobs = 64): Blob[] {
    const { width, height } = this;
    const dilated = this.#dilated;
    dilate(changed, dilated, width, height);
    const labels = this.#labels;
    labels.fill(0);
    const stack = this.#stack;
    const blobs: Blob[] = [];
    let label = 0;
    for (let start = 0; start < dilated.length; start++) {
      if (!dilated[start] || labels[start]) continue;
      label++;
      let top = 0;
      stack[top++] = start;
      labels[start] = label;
      let area = 0;
      let x1 = width;
      let y1 = height;
      let x2 = 0;
      let y2 = 0;
      while (top > 0) {
        const i = stack[--top]!;
        const x = i % width;
        const y = (i - x) / width;
        if (changed[i]) {
          // The box bounds the changed pixels, not the dilation around them.
          area++;
          if (x < x1) x1 = x;
          if (x > x2) x2 = x;
          if (y < y1) y1 = y;
          if (y > y2) y2 = y;
        }
        // Each pixel is labelled before it is pushed, so the stack never holds more than size entries.
        const push = (j: number) => {
          if (!dilated[j] || labels[j]) return;
          labels[j] = label;
          stack[top++] = j;
        };
        if (x > 0) push(i - 1);
        if (x < width - 1) push(i + 1);
        if (y > 0) push(i - width);
        if (y < height - 1) push(i + width);
      }
      if (area >= minArea && area > 0) blobs.push({ box: [x1, y1, x2 + 1, y2 + 1], area });
    }
    blobs.sort((a, b) => b.area - a.area);
    return blobs.length > maxBlobs ? blobs.slice(0, maxBlobs) : blobs;
  }
}

/** 3×3 binary dilation of `src` into `dst`. */
export function dilate(src: Uint8Array, dst: Uint8Array, width: number, height: number): void {
  dst.fill(0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!src[y * width + x]) continue;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < width) dst[yy * width + xx] = 1;
        }
      }
    }
  }
}
