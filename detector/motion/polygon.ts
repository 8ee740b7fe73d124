/**
 * Motion mask raster: the mask polygons (normalised 0..1 of the frame; the config accepts pixel
 * polygons with their frame size and normalises them at load, see common/config/schema-zones.ts)
 * rasterised once per motion-image geometry into a byte mask the per-frame code can index.
 */

/** A polygon as `[x, y]` points, each 0..1 of the frame width/height. */
export type NormalisedPolygon = ReadonlyArray<readonly [number, number]>;

/** Even-odd rule: is (x, y) inside the polygon? */
export function insidePolygon(x: number, y: number, points: NormalisedPolygon): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]!;
    const [xj, yj] = points[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** A width×height grid over the whole frame: 1 where a cell's centre lies in any polygon. */
export function rasterise(polygons: readonly NormalisedPolygon[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const polygon of polygons) {
    for (let y = 0; y < height; y++) {
      const cy = (y + 0.5) / height;
      for (let x = 0; x < width; x++) {
        if (insidePolygon((x + 0.5) / width, cy, polygon)) out[y * width + x] = 1;
      }
    }
  }
  return out;
}
