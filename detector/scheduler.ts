/**
 * Dispatches frames from the cameras' latest-frame slots to the inference pool. Fair: round-robin
 * over cameras that have a waiting frame. Bounded: at most `capacity` inferences in flight overall
 * (the pool's worker count) and one per camera, so a camera's results reach its tracker in order.
 * Every inference has a deadline: the pool enforces its own timeout, and the scheduler gives up
 * after `deadlineMs` regardless, so nothing here waits forever. Runs on the main thread only as
 * dispatch; the work happens in the pool's worker threads.
 */
import type { Detection, Letterbox, PostprocessOptions } from './model/types.ts';
import type { FrameSlot } from './frame-slot.ts';
import type { DecodedFrame } from './frame-parser.ts';

/** What the scheduler needs from the inference pool (InferencePool satisfies it). */
export interface InferenceRunner {
  infer(frame: { data: Uint8Array; letterbox: Letterbox }, options: PostprocessOptions): Promise<Detection[]>;
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
}

export interface SchedulerOptions {
  runner: InferenceRunner;
  /** Maximum inferences in flight (the pool's worker count). */
  capacity: number;
  /** The scheduler's own deadline per inference (set above the pool's timeout). */
  deadlineMs: number;
}

export class Scheduler {
  readonly #cameras: ScheduledCamera[] = [];
  readonly #busy = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();
  #cursor = 0;
  #intake = true;
  #dispatched = 0;
  #failed = 0;

  constructor(readonly options: SchedulerOptions) {}

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

  /** Call when a slot got a frame or an inference finished: dispatches while capacity allows. */
  notify(): void {
    while (this.#intake && this.#inFlight.size < this.options.capacity) {
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
  }

  /** Waits until every in-flight inference settled (results delivered) or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
    });
    try {
      while (this.#inFlight.size > 0) {
        const settled = await Promise.race([Promise.allSettled([...this.#inFlight]).then(() => true as const), deadline]);
        if (!settled) return false;
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Round-robin: the first camera after the cursor with a waiting frame and nothing in flight. */
  #next(): ScheduledCamera | undefined {
    const count = this.#cameras.length;
    for (let step = 0; step < count; step++) {
      const index = (this.#cursor + step) % count;
      const camera = this.#cameras[index];
      if (camera && camera.slot.waiting && !this.#busy.has(camera.id)) {
        this.#cursor = (index + 1) % count;
        return camera;
      }
    }
    return undefined;
  }

  #start(camera: ScheduledCamera, frame: DecodedFrame): void {
    this.#dispatched++;
    this.#busy.add(camera.id);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new InferenceDeadlineError(`inference for camera "${camera.id}" exceeded ${this.options.deadlineMs} ms`)), this.options.deadlineMs);
    });
    let inference: Promise<Detection[]>;
    try {
      inference = this.options.runner.infer({ data: frame.data, letterbox: frame.letterbox }, camera.postprocess());
    } catch (error) {
      inference = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const task = Promise.race([inference, deadline]).then(
      (detections) => {
        this.#deliver(() => camera.onResult(frame, detections, performance.now() - started));
      },
      (error: unknown) => {
        this.#failed++;
        this.#deliver(() => camera.onFailure(frame, error));
      },
    );
    // The losing side of the race must not surface as an unhandled rejection later.
    inference.catch(() => undefined);
    const tracked = task.finally(() => {
      clearTimeout(timer);
      this.#busy.delete(camera.id);
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
