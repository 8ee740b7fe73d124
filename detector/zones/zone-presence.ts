/**
 * Which zones one tracked object is in, with inertia: the object enters a zone after its anchor
 * point was inside for `inertia` consecutive observed frames (so a box jittering over a zone edge
 * does not flap) and leaves it on the first frame outside, as Frigate does. `enteredZones` keeps the
 * order of first entry and never shrinks, for `entered_zones` in events.
 */
import { anchorPoint, pointInPolygon } from './polygon.ts';
import { areaAtLeast, type ZoneRule } from './rules.ts';

export interface ZoneObservation {
  label: string;
  score: number;
  boxNorm: readonly number[];
  areaPx: number;
}

export interface ZoneChange {
  entered: string[];
  left: string[];
}

export class ZonePresence {
  readonly current: string[] = [];
  readonly entered: string[] = [];
  readonly #streak = new Map<string, number>();

  constructor(readonly rules: readonly ZoneRule[]) {}

  /** Feeds one matched frame of the object; returns the zones entered and left on it. */
  observe(observation: ZoneObservation): ZoneChange {
    const change: ZoneChange = { entered: [], left: [] };
    for (const rule of this.rules) {
      const inside = qualifies(rule, observation) && pointInPolygon(anchorPoint(observation.boxNorm, rule.anchor), rule.polygon);
      const isCurrent = this.current.includes(rule.name);
      if (!inside) {
        this.#streak.delete(rule.name);
        if (isCurrent) {
          this.current.splice(this.current.indexOf(rule.name), 1);
          change.left.push(rule.name);
        }
        continue;
      }
      const streak = (this.#streak.get(rule.name) ?? 0) + 1;
      this.#streak.set(rule.name, Math.min(streak, rule.inertia));
      if (!isCurrent && streak >= rule.inertia) {
        this.current.push(rule.name);
        if (!this.entered.includes(rule.name)) this.entered.push(rule.name);
        change.entered.push(rule.name);
      }
    }
    return change;
  }
}

function qualifies(rule: ZoneRule, observation: ZoneObservation): boolean {
  if (rule.labels && !rule.labels.has(observation.label)) return false;
  if (observation.score < rule.minScore) return false;
  const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = observation.boxNorm;
  return areaAtLeast(rule.minArea, observation.areaPx, Math.max(0, x2 - x1) * Math.max(0, y2 - y1));
}
