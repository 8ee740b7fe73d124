/**
 * Box arithmetic for association: overlap, centres and a scale-free centre distance. Boxes are
 * `[x1, y1, x2, y2]` in source pixels; the distance is divided by the box size so the same gate
 * works for a near truck and a far person.
 */

export type Box = [number, number, number, number];

export function boxWidth(box: readonly number[]): number {
  return Math.max(0, box[2]! - box[0]!);
}

export function boxHeight(box: readonly number[]): number {
  return Math.max(0, box[3]! - box[1]!);
}

export function boxArea(box: readonly number[]): number {
  return boxWidth(box) * boxHeight(box);
}

export function boxCentre(box: readonly number[]): [number, number] {
  return [(box[0]! + box[2]!) / 2, (box[1]! + box[3]!) / 2];
}

/** Intersection over union, 0 when the boxes do not overlap. */
export function boxIou(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Distance between the centres in units of the reference box's larger side (1 = one box size away). */
export function centreDistance(reference: readonly number[], other: readonly number[]): number {
  const [ax, ay] = boxCentre(reference);
  const [bx, by] = boxCentre(other);
  const size = Math.max(boxWidth(reference), boxHeight(reference), 1e-9);
  return Math.hypot(ax - bx, ay - by) / size;
}

/** The box moved by (dx, dy). */
export function shiftBox(box: readonly number[], dx: number, dy: number): Box {
  return [box[0]! + dx, box[1]! + dy, box[2]! + dx, box[3]! + dy];
}
