/**
 * Contrast normalisation of the small motion image: maps its 4th..96th percentile range onto
 * 0..255. A global brightness or contrast change (slow lighting drift, auto-exposure steps) then
 * hardly moves a pixel's normalised value, so it does not read as motion. The gain is capped: on
 * a flat, dark scene the percentile range is mostly sensor noise, and stretching it to full scale
 * would turn that noise into motion.
 */

/** Largest stretch applied (a flat scene's range is noise: amplify it at most this much). */
export const MAX_CONTRAST_GAIN = 4;
const LOW_PERCENTILE = 0.04;
const HIGH_PERCENTILE = 0.96;

/** In place: `image[i] = clamp((image[i] - low) * gain, 0, 255)` over the pixels where `ignore[i]` is 0. */
export function normaliseContrast(image: Float32Array, ignore: Uint8Array, histogram: Uint32Array = new Uint32Array(256)): void {
  histogram.fill(0);
  let total = 0;
  for (let i = 0; i < image.length; i++) {
    if (ignore[i]) continue;
    histogram[Math.min(255, Math.max(0, Math.round(image[i]!)))]!++;
    total++;
  }
  if (total === 0) return;
  const low = percentile(histogram, total * LOW_PERCENTILE);
  const high = percentile(histogram, total * HIGH_PERCENTILE);
  const gain = Math.min(MAX_CONTRAST_GAIN, 255 / Math.max(1, high - low));
  for (let i = 0; i < image.length; i++) image[i] = Math.min(255, Math.max(0, (image[i]! - low) * gain));
}

function percentile(histogram: Uint32Array, rank: number): number {
  let seen = 0;
  for (let value = 0; value < 256; value++) {
    seen += histogram[value]!;
    if (seen > rank) return value;
  }
  return 255;
}
