/**
 * One camera's detection: decoder → motion gate → latest-frame slot → (scheduler, pool) → tracker
 * → sink. The motion gate runs on every decoded frame before the slot: a frame without motion (and
 * no tracked object due for a re-check) never occupies the slot or the pool; its buffer goes back
 * to the decoder at once and the sink gets a `motion: false, inferred: false` result.
 * Boxes leave in the main stream's pixels (geometry/camera-geometry.ts): with a separate detect
 * input (a sub-stream), frames are held until the main stream's size is known.
 * `pause()` stops the decoder child (awaiting its exit) and empties the slot; `resume()` starts a
 * new decoder (and motion starts over). Both are idempotent and serialized (one operation at a
 * time, in call order).
 */
import type { CameraDetectorOptions, CameraState, CameraStatus } from './camera-detector-types.ts';
import { CameraCounts } from './camera-counts.ts';
import { Decoder, type DecoderEvent } from './decode/decoder.ts';
import { FrameSlot } from './decode/frame-slot.ts';
import type { DecodedFrame } from './decode/frame-parser.ts';
import { CameraGeometry } from './geometry/camera-geometry.ts';
import type { Detection, PostprocessOptions } from './model/types.ts';
import { CameraMotion } from './motion/camera-motion.ts';
import { DEFAULT_GATE, DEFAULT_MOTION } from './motion/settings.ts';
import type { ScheduledCamera } from './inference/scheduler.ts';

export type { CameraDecoderSettings, CameraDetectorOptions, CameraState, CameraStatus, TrackerLike } from './camera-detector-types.ts';

export class CameraDetector implements ScheduledCamera {
  readonly slot = new FrameSlot<DecodedFrame>();
  #state: CameraState = 'idle';
  /** Set by stop(): no frame is taken in from then on, even while the decoder is still exiting. */
  #intakeClosed = false;
  #decoder: Decoder | undefined;
  #queue: Promise<void> = Promise.resolve();
  #decoded = 0;
  #inferred = 0;
  #failed = 0;
  #restarts = 0;
  readonly #counts: CameraCounts;
  readonly #motion: CameraMotion;
  readonly #geometry: CameraGeometry;

  constructor(readonly options: CameraDetectorOptions) {
    this.#geometry = options.geometry ?? CameraGeometry.sameInput(options.id, options.logger);
    this.#counts = new CameraCounts(options.id, options.tracker, options.sink);
    this.#motion = new CameraMotion(options.motion ?? DEFAULT_MOTION, options.gate ?? DEFAULT_GATE, options.decoder.width, options.decoder.height);
  }

  get id(): string {
    return this.options.id;
  }

  get state(): CameraState {
    return this.#state;
  }

  /**
   * Post-processing options; `minArea` is in main pixels² and the model sees detect pixels (derived
   * once per pair of sizes by the geometry, not per frame).
   */
  postprocess(): PostprocessOptions {
    return this.#geometry.postprocessOptions(this.options.postprocess);
  }

  /** Starts (or resumes) decoding. Resolves once the decoder child was spawned. */
  resume(): Promise<void> {
    return this.#serial(async () => {
      if (this.#state === 'running' || this.#state === 'stopped') return;
      this.#motion.restart();
      const decoder = new Decoder({
        ...this.options.decoder,
        name: this.id,
        hwaccel: this.options.hwaccel,
        logger: this.options.logger,
        onFrame: (frame) => this.#onFrame(frame),
        onEvent: (event) => this.#onDecoderEvent(event),
      });
      this.#decoder = decoder;
      this.#state = 'running';
      decoder.start();
      this.#geometry.start();
    });
  }

  /** Stops the decoder child (exit awaited) and frees the slot. Idempotent. */
  pause(): Promise<void> {
    return this.#serial(async () => {
      if (this.#state !== 'running') return;
      await Promise.all([this.#stopDecoder(), this.#geometry.stop()]);
      this.#endTracks();
      this.#state = 'paused';
    });
  }

  /**
   * Ends this camera for good (shutdown). Intake closes at once, before the decoder's exit is
   * awaited: a frame that still arrives meanwhile is neither inferred nor reported (the first phase
   * of the service's two-phase shutdown), so only results already in flight reach the sink.
   */
  stop(): Promise<void> {
    this.#intakeClosed = true;
    return this.#serial(async () => {
      await Promise.all([this.#stopDecoder(), this.#geometry.stop()]);
      this.#state = 'stopped';
    });
  }

  status(): CameraStatus {
    return {
      id: this.id,
      state: this.#state,
      pid: this.#decoder?.pid,
      hwaccel: this.#decoder?.hwaccelInUse ?? this.options.hwaccel.active().mode,
      framesDecoded: this.#decoded,
      framesInferred: this.#inferred,
      skipped: this.slot.skipped,
      failed: this.#failed,
      restarts: this.#restarts,
      hwaccelFallbacks: this.options.hwaccel.fallbacks,
      ...this.#motion.counts(),
      geometry: this.#geometry.status(),
    };
  }

  onResult(frame: DecodedFrame, found: Detection[], inferenceMs: number): void {
    this.#inferred++;
    const { sink, tracker, metrics } = this.options;
    // In main-stream pixels from here on: masks, filters, tracks, zones, events, snapshots.
    const { detections: inMain, width, height } = this.#geometry.toMain(found, frame.letterbox);
    // Object masks and filters drop detections before anything is published.
    const detections = tracker.filter ? tracker.filter(this.id, inMain) : inMain;
    const latencyMs = performance.now() - frame.decodedAtMono;
    metrics.frameInferred(this.id, inferenceMs, latencyMs);
    sink.frame({ camera: this.id, frame: frame.index, pts: frame.pts, width, height, detections, decodedAt: frame.decodedAt, inferenceMs, latencyMs, motion: this.#motion.motionOf(frame), inferred: true });
    // A paused camera's objects were ended; a result that arrives late does not start them again.
    if (this.#state !== 'running') return;
    for (const event of tracker.update(this.id, detections, frame.decodedAt, { width, height })) sink.event(event);
    this.#counts.publish();
  }

  /**
   * Detection paused: the tracked objects end now (their `end` events go out, counts drop to 0)
   * rather than staying "present" in Home Assistant until detection resumes.
   */
  #endTracks(): void {
    const { sink, tracker } = this.options;
    if (!tracker.endCamera) return;
    for (const event of tracker.endCamera(this.id)) sink.event(event);
    this.#counts.publish();
  }

  recycle(frame: DecodedFrame): void {
    this.#decoder?.recycle(frame.data);
  }

  onFailure(frame: DecodedFrame, error: unknown): void {
    this.#failed++;
    this.options.metrics.failed.inc({ camera: this.id });
    this.options.logger.warn({ camera: this.id, frame: frame.index, err: error instanceof Error ? error.message : String(error) }, 'inference failed');
  }

  #onFrame(frame: DecodedFrame): void {
    if (this.#state !== 'running' || this.#intakeClosed) {
      this.recycle(frame);
      return;
    }
    this.#decoded++;
    this.options.metrics.frameDecoded(this.id);
    if (!this.#geometry.accept(frame.letterbox)) {
      this.recycle(frame);
      return;
    }
    if (!this.#passesGate(frame)) return;
    const dropped = this.slot.offer(frame);
    if (dropped) {
      this.options.metrics.skipped.inc({ camera: this.id });
      this.recycle(dropped);
    }
    this.options.scheduler.notify();
  }

  /**
   * Motion detection and the gate for one decoded frame. A gated frame is finished here: its buffer
   * is recycled and the sink gets its (empty, not inferred) result. Returns whether to infer it.
   */
  #passesGate(frame: DecodedFrame): boolean {
    const { motion, infer } = this.#motion.check(frame, this.options.tracker.liveTracks(this.id));
    this.options.metrics.frameMotion(this.id, motion, !infer);
    if (infer) return true;
    this.#emitGated(frame, motion.motion);
    this.recycle(frame);
    return false;
  }

  /** The result of a frame the gate kept from inference: no detections, `inferred: false`. */
  #emitGated(frame: DecodedFrame, motion: boolean): void {
    const { width, height } = this.#geometry.toMain([], frame.letterbox);
    const latencyMs = performance.now() - frame.decodedAtMono;
    this.options.sink.frame({ camera: this.id, frame: frame.index, pts: frame.pts, width, height, detections: [], decodedAt: frame.decodedAt, inferenceMs: 0, latencyMs, motion, inferred: false });
  }

  #onDecoderEvent(event: DecoderEvent): void {
    const { metrics, logger } = this.options;
    switch (event.type) {
      case 'restart':
        this.#restarts++;
        metrics.decoderRestarts.inc({ camera: this.id });
        break;
      case 'fallback':
        metrics.hwaccelFallbacks.inc({ camera: this.id });
        break;
      case 'started':
        if (event.pid !== undefined) this.options.children?.add(event.pid, this.id);
        logger.debug({ camera: this.id, pid: event.pid, hwaccel: event.hwaccel }, 'decoder started');
        break;
      case 'exited':
        if (event.pid !== undefined) this.options.children?.remove(event.pid);
        break;
    }
  }

  async #stopDecoder(): Promise<void> {
    const decoder = this.#decoder;
    this.#decoder = undefined;
    this.slot.clear();
    if (decoder) await decoder.stop();
    this.slot.clear();
  }

  #serial(operation: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(operation);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
