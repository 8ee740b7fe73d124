/**
 * JPEG encoding with sharp (libvips): the work runs on libuv's thread pool, never on the event loop,
 * and libvips ships inside the npm package for x64, arm64 and armv7 (no system library, no font).
 * Chosen over an ffmpeg child (a process per picture costs ~10× more) and a pure-JS encoder (runs
 * on the event loop, ~10× slower): see docs/snapshots.md and `npm run bench:snapshots`.
 */
import sharp from 'sharp';
import type { RgbImage } from './draw.ts';

// Frames are never read twice: libvips' operation cache would only hold memory. One libvips thread
// per picture: a 720p encode gains little from more, and on a 2-core box the event loop and the
// decoders keep a core.
sharp.cache(false);
sharp.concurrency(1);

export interface EncodeOptions {
  quality: number;
  /** Output height (width follows the aspect ratio); never scales up. */
  height?: number;
  /** Cut this box (x1, y1, x2, y2 in the image's pixels) out first. */
  crop?: readonly number[];
}

/** The region to cut for a crop around `box`: the box plus a margin, at least `minSize` square, inside the image. */
export function cropRegion(box: readonly number[], width: number, height: number, minSize = 96): [number, number, number, number] {
  const [x1, y1, x2, y2] = box as [number, number, number, number];
  const side = Math.max(minSize, (x2 - x1) * 1.3, (y2 - y1) * 1.3);
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2;
  const w = Math.min(width, side);
  const h = Math.min(height, side);
  const left = Math.min(Math.max(0, cx - w / 2), width - w);
  const top = Math.min(Math.max(0, cy - h / 2), height - h);
  return [Math.floor(left), Math.floor(top), Math.floor(left + w), Math.floor(top + h)];
}

export async function encodeJpeg(image: RgbImage, options: EncodeOptions): Promise<Buffer> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  let outHeight = image.height;
  if (options.crop) {
    const [x1, y1, x2, y2] = options.crop.map((value) => Math.round(value)) as [number, number, number, number];
    const left = Math.max(0, Math.min(image.width - 1, x1));
    const top = Math.max(0, Math.min(image.height - 1, y1));
    const width = Math.max(1, Math.min(image.width - left, x2 - left));
    const height = Math.max(1, Math.min(image.height - top, y2 - top));
    pipeline = pipeline.extract({ left, top, width, height });
    outHeight = height;
  }
  if (options.height !== undefined && options.height < outHeight) pipeline = pipeline.resize({ height: options.height, kernel: 'linear' });
  return pipeline.jpeg({ quality: options.quality, chromaSubsampling: '4:2:0' }).toBuffer();
}
