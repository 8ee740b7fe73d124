/**
 * Where detection results go. The detector never talks to MQTT/NATS itself: it hands results to a
 * `DetectionSink`, whose methods are synchronous and must never block (a real sink enqueues into the
 * control plane's bounded outbox). Inference therefore never waits on publishing.
 */
import type { Detection } from './model/types.ts';
import type { TrackEvent } from './track/index.ts';

/** One processed frame: detections in source pixels plus timing. */
export interface FrameResult {
  camera: string;
  /** Index of the frame among those the decoder delivered since the camera started (0-based). */
  frame: number;
  /** Presentation time in seconds (from ffmpeg's showinfo). */
  pts: number;
  /** Source frame size (the box coordinates refer to it). */
  width: number;
  height: number;
  detections: Detection[];
  /** Wall-clock ms (Date.now()) when the frame left the decoder. */
  decodedAt: number;
  /** ms spent in inference (submission → answer). */
  inferenceMs: number;
  /** ms from the frame leaving the decoder to this result being handed to the sink. */
  latencyMs: number;
  /** Motion detection found motion in this frame (always true with motion detection off). */
  motion: boolean;
  /** The model ran on this frame; false: the motion gate skipped it (detections are then empty). */
  inferred: boolean;
}

/** Receives results; every method is synchronous and must not throw or block. */
export interface DetectionSink {
  frame(result: FrameResult): void;
  event(event: TrackEvent): void;
  counts(camera: string, counts: Record<string, number>): void;
  /** Objects per label in a zone (zone names are unique across cameras); optional. */
  zoneCounts?(zone: string, counts: Record<string, number>): void;
}

/** A bounded in-memory sink for tests and the CLI: keeps the last `capacity` items of each kind. */
export class MemorySink implements DetectionSink {
  readonly frames: FrameResult[] = [];
  readonly events: TrackEvent[] = [];
  readonly countsLog: Array<{ camera: string; counts: Record<string, number> }> = [];
  readonly zoneCountsLog: Array<{ zone: string; counts: Record<string, number> }> = [];
  #waiters: Array<{ count: number; resolve: () => void }> = [];
  #framesSeen = 0;

  constructor(readonly capacity = 10_000) {}

  /** Total frames ever received (not bounded by capacity). */
  get framesSeen(): number {
    return this.#framesSeen;
  }

  frame(result: FrameResult): void {
    this.#framesSeen++;
    push(this.frames, result, this.capacity);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.#framesSeen < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  event(event: TrackEvent): void {
    push(this.events, event, this.capacity);
  }

  counts(camera: string, counts: Record<string, number>): void {
    push(this.countsLog, { camera, counts: { ...counts } }, this.capacity);
  }

  zoneCounts(zone: string, counts: Record<string, number>): void {
    push(this.zoneCountsLog, { zone, counts: { ...counts } }, this.capacity);
  }

  /** Resolves once `count` frames were received in total, or rejects after `timeoutMs`. */
  async waitForFrames(count: number, timeoutMs: number): Promise<void> {
    if (this.#framesSeen >= count) return;
    let timer: NodeJS.Timeout | undefined;
    const waiter = { count, resolve: () => undefined as void };
    try {
      await new Promise<void>((resolve, reject) => {
        waiter.resolve = resolve;
        this.#waiters.push(waiter);
        timer = setTimeout(() => reject(new Error(`MemorySink: ${this.#framesSeen}/${count} frames after ${timeoutMs} ms`)), timeoutMs);
      });
    } finally {
      clearTimeout(timer);
      this.#waiters = this.#waiters.filter((item) => item !== waiter);
    }
  }
}

function push<T>(list: T[], item: T, capacity: number): void {
  list.push(item);
  if (list.length > capacity) list.splice(0, list.length - capacity);
}

/**
 * One sink that forwards to several. A sink that throws is isolated (the others still receive the
 * item) and the error is reported through `onError`, never rethrown into the inference path.
 */
export function fanout(sinks: DetectionSink[], onError: (error: unknown) => void = () => undefined): DetectionSink {
  const each = (call: (sink: DetectionSink) => void) => {
    for (const sink of sinks) {
      try {
        call(sink);
      } catch (error) {
        onError(error);
      }
    }
  };
  return {
    frame: (result) => each((sink) => sink.frame(result)),
    event: (event) => each((sink) => sink.event(event)),
    counts: (camera, counts) => each((sink) => sink.counts(camera, counts)),
    zoneCounts: (zone, counts) => each((sink) => sink.zoneCounts?.(zone, counts)),
  };
}
