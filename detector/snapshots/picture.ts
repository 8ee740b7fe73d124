/**
 * The picture of a full frame as it is shown: the frame itself, or, when its `picture` size differs
 * (a squeezed sub-stream, e.g. 704×576 of a 16:9 main stream), the frame resampled to that size
 * with sharp (libvips, off the event loop), so snapshots and latest.jpg have the main stream's
 * aspect and boxes in main pixels land on their objects with one scale factor. Only pictures that
 * are made are resampled, never every decoded frame.
 */
import sharp from 'sharp';
import type { FullFrame } from '../latest-frame/full-frame.ts';
import type { RgbImage } from './draw.ts';

export async function pictureOf(frame: FullFrame): Promise<RgbImage> {
  const want = frame.picture;
  const { image } = frame;
  if (!want || (want.width === image.width && want.height === image.height)) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ width: want.width, height: want.height, fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
