/**
 * Object masks and per-label filters: detections dropped before tracking, so a masked area (a
 * road seen through a fence, a poster of a person) never starts a track, an event or a count. The
 * bottom centre decides, like for zones: an object standing in the mask is masked.
 */
import type { Detection } from '../model/types.ts';
import { anchorPoint, inAny } from './polygon.ts';
import { areaAtLeast, areaAtMost, type ObjectRules } from './rules.ts';

/** The detections that survive the camera's masks and label filters. */
export function applyObjectRules(detections: Detection[], rules: ObjectRules): Detection[] {
  if (rules.mask.length === 0 && rules.filters.size === 0) return detections;
  return detections.filter((detection) => keep(detection, rules));
}

function keep(detection: Detection, rules: ObjectRules): boolean {
  const bottom = anchorPoint(detection.boxNorm, 'bottom_center');
  if (inAny(bottom, rules.mask)) return false;
  const filter = rules.filters.get(detection.label);
  if (!filter) return true;
  const [x1, y1, x2, y2] = detection.box;
  const areaPx = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const [n1, m1, n2, m2] = detection.boxNorm;
  const areaFraction = Math.max(0, n2 - n1) * Math.max(0, m2 - m1);
  if (filter.minScore !== undefined && detection.score < filter.minScore) return false;
  if (filter.minArea !== undefined && !areaAtLeast(filter.minArea, areaPx, areaFraction)) return false;
  if (filter.maxArea !== undefined && !areaAtMost(filter.maxArea, areaPx, areaFraction)) return false;
  return !inAny(bottom, filter.mask);
}
