/**
 * The status strip: slots in use against the limit, the gateway's uptime, whether the detector
 * answers, and per camera the frame rates in (decoded), inferred and skipped, derived from the
 * detector's counters between two polls (so they are rates over the last poll interval).
 */
import { duration, h, replaceChildren } from './dom.ts';
import type { Overview } from './model.ts';

interface Counters {
  at: number;
  decoded: number;
  inferred: number;
  skipped: number;
}

export class StatusStrip {
  readonly #previous = new Map<string, Counters>();

  constructor(readonly element: HTMLElement) {}

  update(overview: Overview, now = performance.now()): void {
    const items: Node[] = [
      h('li', {}, h('span', { class: 'k' }, 'Slots '), `${overview.slots.in_use}/${overview.slots.limit}`),
      h('li', {}, h('span', { class: 'k' }, 'Uptime '), duration(overview.uptime_s)),
      h('li', { class: overview.detector.reachable ? '' : 'warn' }, h('span', { class: 'k' }, 'Detector '), overview.detector.reachable ? 'up' : 'not reachable'),
    ];
    for (const camera of overview.cameras) {
      const detect = camera.detect;
      if (!detect) continue;
      const current: Counters = { at: now, decoded: detect.framesDecoded ?? 0, inferred: detect.framesInferred ?? 0, skipped: detect.skipped ?? 0 };
      const before = this.#previous.get(camera.id);
      this.#previous.set(camera.id, current);
      const seconds = before ? (current.at - before.at) / 1000 : 0;
      const rate = (key: 'decoded' | 'inferred' | 'skipped') => (before && seconds > 0.2 ? Math.max(0, (current[key] - before[key]) / seconds).toFixed(1) : '…');
      items.push(
        h(
          'li',
          { 'data-fps': camera.id },
          h('span', { class: 'k' }, `${camera.id} `),
          `${rate('decoded')} fps in, ${rate('inferred')} inferred, ${rate('skipped')} skipped`,
        ),
      );
    }
    replaceChildren(this.element, ...items);
  }
}
