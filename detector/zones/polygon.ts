/**
 * Polygon geometry for zones and masks. Polygons are stored normalised (0..1 of the frame width and
 * height) so a zone drawn on a 1080p frame still fits when the camera's sub-stream is 640x360. An
 * object's position is one point of its box: the bottom centre by default (where it stands on the
 * ground, as Frigate does), or the centre.
 */

/** A polygon as `[x, y]` points, each 0..1 of the frame width/height. */
export type Polygon = ReadonlyArray<readonly [number, number]>;

export type Anchor = 'bottom_center' | 'center';

/** The anchor point of a normalised box `[x1, y1, x2, y2]`. */
export function anchorPoint(boxNorm: readonly number[], anchor: Anchor = 'bottom_center'): [number, number] {
  const x = (boxNorm[0]! + boxNorm[2]!) / 2;
  const y = anchor === 'center' ? (boxNorm[1]! + boxNorm[3]!) / 2 : boxNorm[3]!;
  return [x, y];
}

/**
 * Even-odd ray casting. A point exactly on the bottom or right edge of a polygon that reaches the
 * frame border counts as inside (boxes touching the frame edge have y2 = 1), so edges are closed.
 */
export function pointInPolygon(point: readonly [number, number], polygon: Polygon): boolean {
  const [px, py] = point;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (onSegment(px, py, xi, yi, xj, yj)) return true;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function onSegment(px: number, py: number, x1: number, y1: number, x2: number, y2: number): boolean {
  const cross = (px - x1) * (y2 - y1) - (py - y1) * (x2 - x1);
  if (Math.abs(cross) > 1e-12) return false;
  return px >= Math.min(x1, x2) - 1e-12 && px <= Math.max(x1, x2) + 1e-12 && py >= Math.min(y1, y2) - 1e-12 && py <= Math.max(y1, y2) + 1e-12;
}

/** True when the point lies in any of the polygons. */
export function inAny(point: readonly [number, number], polygons: readonly Polygon[]): boolean {
  return polygons.some((polygon) => pointInPolygon(point, polygon));
}
