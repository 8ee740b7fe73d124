/**
 * Drawing on packed RGB24 frames, in place: box outlines, polygon outlines (zones) and text on a
 * filled background with the bitmap font. Plain loops over the pixels the marks cover (a box of a
 * 720p frame is a few thousand pixels), so drawing costs far less than the JPEG encode after it.
 */
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH } from './bitmap-font.ts';

/** A packed RGB24 image, rows top to bottom. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export type Rgb = readonly [number, number, number];

function fill(image: RgbImage, x1: number, y1: number, x2: number, y2: number, color: Rgb): void {
  const left = Math.max(0, Math.floor(x1));
  const right = Math.min(image.width, Math.ceil(x2));
  const top = Math.max(0, Math.floor(y1));
  const bottom = Math.min(image.height, Math.ceil(y2));
  for (let y = top; y < bottom; y++) {
    let offset = (y * image.width + left) * 3;
    for (let x = left; x < right; x++, offset += 3) {
      image.data[offset] = color[0];
      image.data[offset + 1] = color[1];
      image.data[offset + 2] = color[2];
    }
  }
}

/** Outline of a box (x1, y1, x2, y2 in this image's pixels), `thickness` pixels inwards and outwards. */
export function drawBox(image: RgbImage, box: readonly number[], color: Rgb, thickness = 2): void {
  const [x1, y1, x2, y2] = box as [number, number, number, number];
  const half = thickness / 2;
  fill(image, x1 - half, y1 - half, x2 + half, y1 + half, color);
  fill(image, x1 - half, y2 - half, x2 + half, y2 + half, color);
  fill(image, x1 - half, y1 - half, x1 + half, y2 + half, color);
  fill(image, x2 - half, y1 - half, x2 + half, y2 + half, color);
}

/** A polygon's outline (points in this image's pixels), lines `thickness` pixels wide. */
export function drawPolygon(image: RgbImage, points: ReadonlyArray<readonly [number, number]>, color: Rgb, thickness = 2): void {
  for (let index = 0; index < points.length; index++) {
    const [ax, ay] = points[index]!;
    const [bx, by] = points[(index + 1) % points.length]!;
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(bx - ax), Math.abs(by - ay))));
    for (let step = 0; step <= steps; step++) {
      const x = ax + ((bx - ax) * step) / steps;
      const y = ay + ((by - ay) * step) / steps;
      fill(image, x - thickness / 2, y - thickness / 2, x + thickness / 2, y + thickness / 2, color);
    }
  }
}

/** Size of `text` drawn at `scale` (pixels per font dot), with a 1-dot margin. */
export function textSize(text: string, scale: number): { width: number; height: number } {
  return { width: (text.length * (GLYPH_WIDTH + 1) + 1) * scale, height: (GLYPH_HEIGHT + 2) * scale };
}

/** Text with its top-left corner at (x, y) on a filled background; clipped at the image's edges. */
export function drawText(image: RgbImage, x: number, y: number, text: string, color: Rgb, background: Rgb, scale = 2): void {
  const size = textSize(text, scale);
  fill(image, x, y, x + size.width, y + size.height, background);
  for (let index = 0; index < text.length; index++) {
    const rows = glyph(text[index]!);
    const left = x + (1 + index * (GLYPH_WIDTH + 1)) * scale;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      const bits = rows[row]!;
      for (let column = 0; column < GLYPH_WIDTH; column++) {
        if (bits & (1 << (GLYPH_WIDTH - 1 - column))) fill(image, left + column * scale, y + (row + 1) * scale, left + (column + 1) * scale, y + (row + 2) * scale, color);
      }
    }
  }
}

/** Box outline with a `label score` tag above it (inside the frame when the box touches the top). */
export function drawLabelledBox(image: RgbImage, box: readonly number[], label: string, color: Rgb, thickness = 2): void {
  drawBox(image, box, color, thickness);
  const scale = image.height >= 600 ? 2 : 1;
  const size = textSize(label, scale);
  const x = Math.max(0, Math.min(image.width - size.width, box[0]!));
  const above = box[1]! - thickness - size.height;
  drawText(image, x, above >= 0 ? above : box[1]! + thickness, label, [255, 255, 255], color, scale);
}

/** Stable colour per label (bright, readable under white text). */
export function labelColor(label: string): Rgb {
  let hash = 0;
  for (const char of label) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const palette: Rgb[] = [
    [0, 120, 255],
    [255, 0, 200],
    [0, 170, 90],
    [230, 120, 0],
    [140, 60, 255],
    [0, 160, 190],
  ];
  return palette[hash % palette.length]!;
}
