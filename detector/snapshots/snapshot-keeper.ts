/**
 * Keeps the best frame of every event as its snapshot. A frame is a candidate when the event's
 * object was seen in it; it beats the kept one when the object is fully in view (its box does not
 * touch the frame's edge) and the old one was not, or both are alike and its score is higher. The
 * winner is drawn (box and label, optionally all boxes, zones, time), encoded off the event loop and
 * written with a thumbnail (SnapshotFiles). Bound: `maxInFlight` encodes at once and one per event;
 * a candidate beyond that is dropped (counted) — the next frame offers a new one.
 */
import type { TrackEvent } from '../track/types.ts';
import type { FrameResult } from '../publisher.ts';
import type { SnapshotMeta } from '../event-store/event-store.ts';
import type { FullFrame } from '../latest-frame/full-frame.ts';
import { drawLabelledBox, drawPolygon, drawText, labelColor, type RgbImage } from './draw.ts';
import { cropRegion, encodeJpeg } from './jpeg.ts';
import type { SnapshotMetrics } from './metrics.ts';
import { pictureOf } from './picture.ts';
import type { SnapshotFiles } from './snapshot-files.ts';

/** How one camera's snapshots look (config: detector.snapshots with cameras[].snapshots on top). */
export interface SnapshotLook {
  enabled: boolean;
  quality: number;
  crop: boolean;
  boundingBox: boolean;
  allBoxes: boolean;
  timestamp: boolean;
  thumbnailHeight: number;
  /** Zone outlines to draw (normalised points); empty: none. */
  zones: Array<ReadonlyArray<readonly [number, number]>>;
}

/** A snapshot that was written, for the MQTT publisher. */
export interface WrittenSnapshot {
  id: string;
  camera: string;
  label: string;
  jpeg: Buffer;
  /** The event's first snapshot (else a better one replaced it). */
  first: boolean;
}

export interface SnapshotKeeperOptions {
  files: SnapshotFiles;
  look: (camera: string) => SnapshotLook;
  frameFor: (camera: string, index: number) => FullFrame | undefined;
  metrics?: SnapshotMetrics;
  maxInFlight?: number;
  onWritten?: (snapshot: WrittenSnapshot) => void;
  onError?: (error: unknown) => void;
  /** Most events remembered at once (oldest forgotten first). */
  maxEvents?: number;
}

interface EventState {
  rank: [number, number];
  meta: SnapshotMeta | undefined;
  encoding: boolean;
}

/** Pixels from the edge under which a box counts as cut off. */
const EDGE_MARGIN = 2;

export function fullyInView(box: readonly number[], width: number, height: number): boolean {
  return box[0]! > EDGE_MARGIN && box[1]! > EDGE_MARGIN && box[2]! < width - EDGE_MARGIN && box[3]! < height - EDGE_MARGIN;
}

export class SnapshotKeeper {
  readonly #events = new Map<string, EventState>();
  readonly #lastResult = new Map<string, FrameResult>();
  #inFlight = 0;
  #writes: Promise<unknown> = Promise.resolve();
  readonly #pending = new Set<Promise<void>>();

  constructor(readonly options: SnapshotKeeperOptions) {}

  /** The frame results of a camera (called before the events of the same frame). */
  frame(result: FrameResult): void {
    if (result.inferred) this.#lastResult.set(result.camera, result);
  }

  /** Considers the event's current frame; returns the snapshot facts to publish with the event. */
  event(event: TrackEvent): { hasSnapshot: boolean; snapshot: SnapshotMeta | null } {
    let state = this.#events.get(event.id);
    if (!state && event.type !== 'end') {
      state = { rank: [-1, -1], meta: undefined, encoding: false };
      this.#events.set(event.id, state);
      if (this.#events.size > (this.options.maxEvents ?? 10_000)) this.#events.delete(this.#events.keys().next().value!);
    }
    if (state && event.type !== 'end') this.#consider(event, state);
    const facts = { hasSnapshot: state?.meta !== undefined, snapshot: state?.meta ?? null };
    if (event.type === 'end') this.#events.delete(event.id);
    return facts;
  }

  /** Resolves when every started encode and write has finished (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #consider(event: TrackEvent, state: EventState): void {
    const look = this.options.look(event.camera);
    const result = this.#lastResult.get(event.camera);
    if (!look.enabled || !result || result.decodedAt !== event.lastSeen) return;
    const rank: [number, number] = [fullyInView(event.box, result.width, result.height) ? 1 : 0, event.score];
    if (rank[0] < state.rank[0] || (rank[0] === state.rank[0] && rank[1] <= state.rank[1])) return;
    const { metrics } = this.options;
    if (state.encoding || this.#inFlight >= (this.options.maxInFlight ?? 2)) {
      metrics?.dropped.inc({ reason: 'busy' });
      return;
    }
    const frame = this.options.frameFor(event.camera, result.frame);
    if (!frame) {
      metrics?.dropped.inc({ reason: 'no_frame' });
      return;
    }
    state.rank = rank;
    state.encoding = true;
    this.#inFlight++;
    const meta: SnapshotMeta = { frame_time: result.decodedAt / 1000, box: [...event.box], area: event.area, score: event.score };
    const first = state.meta === undefined;
    const work = this.#encodeAndWrite(event, result, frame, look, meta)
      .then((jpeg) => {
        if (!jpeg) return;
        state.meta = meta;
        metrics?.written.inc({ camera: event.camera });
        this.options.onWritten?.({ id: event.id, camera: event.camera, label: event.label, jpeg, first });
      })
      .catch((error: unknown) => {
        metrics?.dropped.inc({ reason: 'error' });
        this.options.onError?.(error);
      })
      .finally(() => {
        state.encoding = false;
        this.#inFlight--;
        this.#pending.delete(work);
      });
    this.#pending.add(work);
  }

  async #encodeAndWrite(event: TrackEvent, result: FrameResult, frame: FullFrame, look: SnapshotLook, meta: SnapshotMeta): Promise<Buffer | undefined> {
    const started = performance.now();
    // In the main stream's aspect (a squeezed sub-stream is resampled): one scale for both axes.
    const picture = await pictureOf(frame);
    const image = drawSnapshot(picture, { event, result, look });
    const scale = picture.height / result.height;
    const crop = cropRegion(event.box.map((value) => value * scale), image.width, image.height);
    const [snapshot, thumbnail] = await Promise.all([
      encodeJpeg(image, { quality: look.quality, ...(look.crop ? { crop } : {}) }),
      encodeJpeg(image, { quality: look.quality, crop, height: look.thumbnailHeight }),
    ]);
    this.options.metrics?.encodeMs.observe({ kind: 'snapshot' }, performance.now() - started);
    // One write at a time keeps the files in event order.
    const written = this.#writes.then(() => this.options.files.write(event.id, snapshot, thumbnail, meta));
    this.#writes = written.catch(() => undefined);
    return (await written) ? snapshot : undefined;
  }
}

/** A copy of the frame with the event's marks drawn as `look` asks. Boxes are in source pixels. */
export function drawSnapshot(source: RgbImage, input: { event: TrackEvent; result: FrameResult; look: SnapshotLook }): RgbImage {
  const { event, result, look } = input;
  const image: RgbImage = { data: new Uint8Array(source.data), width: source.width, height: source.height };
  const scale = image.height / result.height;
  const toImage = (box: readonly number[]) => box.map((value) => value * scale);
  const thickness = Math.max(2, Math.round(image.height / 240));
  for (const zone of look.zones) {
    drawPolygon(
      image,
      zone.map(([x, y]) => [x * image.width, y * image.height] as const),
      [255, 200, 0],
      thickness,
    );
  }
  if (look.allBoxes) {
    for (const detection of result.detections) {
      if (detection.box.every((value, index) => Math.abs(value - event.box[index]!) < 0.5)) continue;
      drawLabelledBox(image, toImage(detection.box), `${detection.label} ${Math.round(detection.score * 100)}%`, labelColor(detection.label), thickness);
    }
  }
  if (look.boundingBox) drawLabelledBox(image, toImage(event.box), `${event.label} ${Math.round(event.score * 100)}%`, labelColor(event.label), thickness);
  if (look.timestamp) {
    const text = new Date(result.decodedAt).toISOString().replace('T', ' ').slice(0, 19);
    drawText(image, 4, 4, text, [255, 255, 255], [0, 0, 0], image.height >= 600 ? 2 : 1);
  }
  return image;
}
