/**
 * A camera's object counts on the outputs: per label (`<prefix>/<camera>/<label>`) and per zone
 * (`<prefix>/<zone>/<label>`), each handed to the sink only when it changed, so retained MQTT
 * topics are not rewritten on every inferred frame.
 */
import type { TrackerLike } from './camera-detector.ts';
import type { DetectionSink } from './publisher.ts';

export class CameraCounts {
  #lastCounts = '';
  readonly #lastZoneCounts = new Map<string, string>();

  constructor(
    readonly camera: string,
    readonly tracker: Pick<TrackerLike, 'counts' | 'zoneCounts'>,
    readonly sink: DetectionSink,
  ) {}

  /** Object counts per label and per zone, each on change only. */
  publish(): void {
    this.#publishZoneCounts();
    const counts = this.tracker.counts(this.camera);
    const key = JSON.stringify(counts);
    if (key !== this.#lastCounts) {
      this.#lastCounts = key;
      this.sink.counts(this.camera, counts);
    }
  }

  #publishZoneCounts(): void {
    const { sink, tracker } = this;
    if (!tracker.zoneCounts || !sink.zoneCounts) return;
    for (const [zone, counts] of Object.entries(tracker.zoneCounts(this.camera))) {
      const key = JSON.stringify(counts);
      if (this.#lastZoneCounts.get(zone) === key) continue;
      this.#lastZoneCounts.set(zone, key);
      sink.zoneCounts(zone, counts);
    }
  }
}
