/**
 * Dispatches frames from the cameras' latest-frame slots to the inference pool. Fair: round-robin
 * over cameras that have a waiting frame. Bounded: at most `capacity` inferences in flight overall.
 *
 * With a pool that prepares frames ahead (`acceptsIn`: InferencePool), a frame is taken from its
 * slot only when the pool wants it, which is just before a running inference is expected to end:
 * the frame is then the newest one, and the worker starts it without waiting. A camera may then
 * have two frames in flight (one running, one prepared); its results are still delivered in frame
 * order. With a runner that does not prepare ahead, a camera has at most one frame in flight.
 *
 * Every inference has a deadline: the pool enforces its own timeout, and the scheduler gives up
 * after `deadlineMs` regardless, so nothing here waits forever. Runs on the main thread only as
 * dispatch; the work happens in the pool.
 */
import { deadline, DeadlineError, settledWithin } from '../../common/lifecycle/deadline.ts';
import type { Detection, Letterbox, PostprocessOptions } from '../model/types.ts';
import type { FrameSlot } from '../decode/frame-slot.ts';
import type { DecodedFrame } from '../decode/frame-parser.ts';

/** What the scheduler needs from the inference pool (InferencePool satisfies it). */
export interface InferenceRunner {
  /** Must be done with `frame.data` when it returns (the scheduler then recycles the buffer). */
  infer(frame: { data: Uint8Array; letterbox: Letterbox }, options: PostprocessOptions): Promise<Detection[]>;
  /** Milliseconds until the runner wants another frame (0: now; Infinity: full). Absent: whenever capacity allows. */
  acceptsIn?(): number;
}

/** The scheduler gave up waiting for an inference. */
export class InferenceDeadlineError extends Error {
  override readonly name = 'InferenceDeadlineError';
}

/** One camera as the scheduler sees it. */
export interface ScheduledCamera {
  readonly id: string;
  readonly slot: FrameSlot<DecodedFrame>;
  postprocess(): PostprocessOptions;
  onResult(frame: DecodedFrame, detections: Detection[], inferenceMs: number): void;
  onFailure(frame: DecodedFrame, error: unknown): void;
  /** The frame's pixels are no longer needed (they were handed to the runner). */
  recycle?(frame: DecodedFrame): void;
}

export interface SchedulerOptions {
  runner: InferenceRunner;
  /** Maximum inferences in flight (InferencePool.capacity). */
  capacity: number;
  /** The scheduler's own deadline per inference, from dispatch (set above the pool's timeout, twice it when frames are prepared ahead). */
  deadlineMs: number;
}

type Outcome = { ok: true; detections: Detection[]; doneAt: number } | { ok: false; error: unknown };

export class Scheduler {
  readonly #cameras: ScheduledCamera[] = [];
  /** Frames in flight per camera. */
  readonly #busy = new Map<string, number>();
  /** Per camera: settles when its latest dispatched frame has been delivered (keeps results in order). */
  readonly #delivered = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #perCamera: number;
  #wakeTimer: NodeJS.Timeout | undefined;
  #cursor = 0;
  #intake = true;
  #dispatched = 0;
  #failed = 0;

  constructor(readonly options: SchedulerOptions) {
    this.#perCamera = options.runner.acceptsIn ? 2 : 1;
  }

  add(camera: ScheduledCamera): void {
    if (this.#cameras.some((item) => item.id === camera.id)) throw new Error(`scheduler: camera "${camera.id}" added twice`);
    this.#cameras.push(camera);
  }

  remove(id: string): void {
    const index = this.#cameras.findIndex((item) => item.id === id);
    if (index >= 0) this.#cameras.splice(index, 1);
    if (this.#cursor > this.#cameras.length) this.#cursor = 0;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  get dispatched(): number {
    return this.#dispatched;
  }

  get failed(): number {
    return this.#failed;
  }

  /** Call when a slot got a frame or an inference finished: dispatches while the runner wants frames. */
  notify(): void {
    while (this.#intake && this.#inFlight.size < this.options.capacity) {
      const wait = this.options.runner.acceptsIn?.() ?? 0;
      if (wait > 0) {
        this.#wakeIn(wait);
        return;
      }
      const camera = this.#next();
      if (!camera) return;
      const frame = camera.slot.take();
      if (!frame) continue;
      this.#start(camera, frame);
    }
  }

  /** Phase one of shutdown: dispatch nothing new (frames left in slots stay there). */
  stopIntake(): void {
    this.#intake = false;
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
  }

  /** Waits until every in-flight inference settled (results delivered) or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + Math.max(0, timeoutMs);
    while (this.#inFlight.size > 0) {
      if (!(await settledWithin(Promise.allSettled([...this.#inFlight]), Math.max(0, until - Date.now())))) return false;
    }
    return true;
  }

  /** One timer at a time: notify() again when the runner will want a frame, if one is waiting. */
  #wakeIn(ms: number): void {
    if (this.#wakeTimer || !Number.isFinite(ms) || !this.#cameras.some((camera) => this.#eligible(camera))) return;
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = undefined;
      this.notify();
    }, Math.ceil(ms));
  }

  #eligible(camera: ScheduledCamera): boolean {
    return camera.slot.waiting && (this.#busy.get(camera.id) ?? 0) < this.#perCamera;
  }

  /** Round-robin: the first camera after the cursor with a waiting frame and room in flight. */
  #next(): ScheduledCamera | undefined {
    const count = this.#cameras.length;
    for (let step = 0; step < count; step++) {
      const index = (this.#cursor + step) % count;
      const camera = this.#cameras[index];
      if (camera && this.#eligible(camera)) {
        this.#cursor = (index + 1) % count;
        return camera;
      }
    }
    return undefined;
  }

  #start(camera: ScheduledCamera, frame: DecodedFrame): void {
    this.#dispatched++;
    this.#busy.set(camera.id, (this.#busy.get(camera.id) ?? 0) + 1);
    const started = performance.now();
    let inference: Promise<Detection[]>;
    try {
      inference = this.options.runner.infer({ data: frame.data, letterbox: frame.letterbox }, camera.postprocess());
    } catch (error) {
      inference = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    camera.recycle?.(frame);
    const bounded = deadline(inference, this.options.deadlineMs, `inference for camera "${camera.id}"`).catch((error: unknown) => {
      throw error instanceof DeadlineError ? new InferenceDeadlineError(`inference for camera "${camera.id}" exceeded ${this.options.deadlineMs} ms`) : error;
    });
    const outcome: Promise<Outcome> = bounded.then(
      (detections) => ({ ok: true, detections, doneAt: performance.now() }),
      (error: unknown) => ({ ok: false, error }),
    );
    const previous = this.#delivered.get(camera.id);
    const delivered = (previous ? Promise.all([outcome, previous]).then(([result]) => result) : outcome).then((result) => {
      if (result.ok) {
        this.#deliver(() => camera.onResult(frame, result.detections, result.doneAt - started));
      } else {
        this.#failed++;
        this.#deliver(() => camera.onFailure(frame, result.error));
      }
    });
    this.#delivered.set(camera.id, delivered);
    const tracked = delivered.finally(() => {
      const left = (this.#busy.get(camera.id) ?? 1) - 1;
      if (left > 0) this.#busy.set(camera.id, left);
      else this.#busy.delete(camera.id);
      if (this.#delivered.get(camera.id) === delivered) this.#delivered.delete(camera.id);
      this.#inFlight.delete(tracked);
      this.notify();
    });
    this.#inFlight.add(tracked);
  }

  #deliver(call: () => void): void {
    try {
      call();
    } catch {
      // A camera callback must not break dispatch; CameraDetector counts its own errors.
    }
  }
}
