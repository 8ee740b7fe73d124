/**
 * The compiled zone and mask rules of one camera, built once from its config. Thresholds on size
 * follow one convention everywhere: at most 1 is a fraction of the frame area, above 1 is square
 * pixels of the source frame.
 */
import type { Anchor, Polygon } from './polygon.ts';

export interface ZoneRule {
  name: string;
  polygon: Polygon;
  anchor: Anchor;
  /** Consecutive frames with the anchor inside before the object counts as in the zone. */
  inertia: number;
  /** Labels that can be in the zone; undefined = all. */
  labels: ReadonlySet<string> | undefined;
  minArea: number;
  minScore: number;
}

export interface ObjectFilterRule {
  minArea?: number;
  maxArea?: number;
  minScore?: number;
  mask: readonly Polygon[];
}

export interface ObjectRules {
  /** Detections whose bottom centre is in one of these are dropped (every label). */
  mask: readonly Polygon[];
  filters: ReadonlyMap<string, ObjectFilterRule>;
}

export const NO_OBJECT_RULES: ObjectRules = { mask: [], filters: new Map() };

/** Size of a box against a threshold: fraction of the frame (≤ 1) or pixels (> 1). */
export function areaAtLeast(threshold: number, areaPx: number, areaFraction: number): boolean {
  return threshold <= 1 ? areaFraction >= threshold : areaPx >= threshold;
}

export function areaAtMost(threshold: number, areaPx: number, areaFraction: number): boolean {
  return threshold <= 1 ? areaFraction <= threshold : areaPx <= threshold;
}

interface ZoneConfigLike {
  coordinates: ReadonlyArray<readonly [number, number]>;
  anchor: Anchor;
  inertia: number;
  objects?: string[] | undefined;
  min_area: number;
  min_score: number;
}

interface ObjectsConfigLike {
  mask: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  filters?: Record<string, { min_area?: number | undefined; max_area?: number | undefined; min_score?: number | undefined; mask?: ReadonlyArray<ReadonlyArray<readonly [number, number]>> | undefined }> | undefined;
}

/** Zone rules from `cameras[].zones` (already validated and normalised by the config schema). */
export function zoneRules(zones: Record<string, ZoneConfigLike> | undefined): ZoneRule[] {
  return Object.entries(zones ?? {}).map(([name, zone]) => ({
    name,
    polygon: zone.coordinates,
    anchor: zone.anchor,
    inertia: zone.inertia,
    labels: zone.objects ? new Set(zone.objects) : undefined,
    minArea: zone.min_area,
    minScore: zone.min_score,
  }));
}

/** Mask and filter rules from `cameras[].objects`. */
export function objectRules(objects: ObjectsConfigLike | undefined): ObjectRules {
  if (!objects) return NO_OBJECT_RULES;
  const filters = new Map<string, ObjectFilterRule>();
  for (const [label, filter] of Object.entries(objects.filters ?? {})) {
    filters.set(label, {
      ...(filter.min_area !== undefined ? { minArea: filter.min_area } : {}),
      ...(filter.max_area !== undefined ? { maxArea: filter.max_area } : {}),
      ...(filter.min_score !== undefined ? { minScore: filter.min_score } : {}),
      mask: filter.mask ?? [],
    });
  }
  return { mask: objects.mask, filters };
}
