/**
 * Prometheus metrics of the detector, on its own registry (the gateway has its own). Counters are
 * incremented where the real thing happens (a frame left the decoder, an inference answered, a
 * child restarted); the fps gauges are computed at scrape time from a sliding window.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Millisecond histogram buckets for inference time and end-to-end latency: 5 ms doubling to ~5 s. */
const MS_BUCKETS = [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120];

/** Counts events in the last `windowMs` to give a rate; memory bounded by `maxSamples`. */
export class RateMeter {
  readonly #times: number[] = [];

  constructor(
    readonly windowMs = 10_000,
    readonly maxSamples = 2000,
  ) {}

  mark(now = Date.now()): void {
    this.#times.push(now);
    if (this.#times.length > this.maxSamples) this.#times.shift();
  }

  /** Events per second over the window. */
  rate(now = Date.now()): number {
    while (this.#times.length > 0 && (this.#times[0] ?? now) < now - this.windowMs) this.#times.shift();
    return this.#times.length / (this.windowMs / 1000);
  }
}

export class DetectorMetrics {
  readonly registry = new Registry();
  readonly decoded: Counter<'camera'>;
  readonly inferred: Counter<'camera'>;
  readonly skipped: Counter<'camera'>;
  readonly failed: Counter<'camera'>;
  readonly inferenceMs: Histogram<'camera'>;
  readonly latencyMs: Histogram<'camera'>;
  readonly decoderRestarts: Counter<'camera'>;
  readonly hwaccelFallbacks: Counter<'camera'>;
  readonly motionFrames: Counter<'camera'>;
  readonly gated: Counter<'camera'>;
  readonly motionResets: Counter<'camera'>;
  readonly motionFraction: Gauge<'camera'>;
  readonly held: Counter<'camera'>;
  readonly #decodedRate = new Map<string, RateMeter>();
  readonly #inferredRate = new Map<string, RateMeter>();

  constructor() {
    const registers = [this.registry];
    this.decoded = new Counter({ name: 'lookout_detector_frames_decoded_total', help: 'Frames delivered by the decoder', labelNames: ['camera'], registers });
    this.inferred = new Counter({ name: 'lookout_detector_frames_inferred_total', help: 'Frames that went through inference', labelNames: ['camera'], registers });
    this.skipped = new Counter({ name: 'lookout_detector_frames_skipped_total', help: 'Frames replaced in the latest-frame slot before inference', labelNames: ['camera'], registers });
    this.failed = new Counter({ name: 'lookout_detector_frames_failed_total', help: 'Inferences that failed, timed out or hit a crashed worker', labelNames: ['camera'], registers });
    this.inferenceMs = new Histogram({
      name: 'lookout_detector_inference_ms',
      help: 'Inference time per frame (submission to answer), ms',
      labelNames: ['camera'],
      buckets: MS_BUCKETS,
      registers,
    });
    this.latencyMs = new Histogram({
      name: 'lookout_detector_latency_ms',
      help: 'Frame out of the decoder to detections handed to the publisher, ms',
      labelNames: ['camera'],
      buckets: MS_BUCKETS,
      registers,
    });
    this.decoderRestarts = new Counter({ name: 'lookout_detector_decoder_restarts_total', help: 'Decoder child restarts after exit or stall', labelNames: ['camera'], registers });
    this.hwaccelFallbacks = new Counter({ name: 'hwaccel_fallbacks_total', help: 'Hardware decoders that failed early and fell back to software', labelNames: ['camera'], registers });
    this.motionFrames = new Counter({ name: 'lookout_detector_frames_motion_total', help: 'Decoded frames in which motion detection found motion', labelNames: ['camera'], registers });
    this.gated = new Counter({ name: 'lookout_detector_frames_gated_total', help: 'Decoded frames the motion gate kept from inference (no motion, no object to re-check)', labelNames: ['camera'], registers });
    this.motionResets = new Counter({
      name: 'lookout_detector_motion_resets_total',
      help: 'Whole-frame changes (lights, IR switch, exposure) that reset the motion background',
      labelNames: ['camera'],
      registers,
    });
    this.held = new Counter({
      name: 'lookout_detector_frames_held_total',
      help: 'Decoded frames not inferred because the main stream size was not known yet (separate detect input)',
      labelNames: ['camera'],
      registers,
    });
    this.motionFraction = new Gauge({ name: 'lookout_detector_motion_fraction', help: 'Fraction of the (unmasked) motion image that changed in the latest frame', labelNames: ['camera'], registers });
    const decodedRate = this.#decodedRate;
    const inferredRate = this.#inferredRate;
    new Gauge({
      name: 'lookout_detector_decoded_fps',
      help: 'Frames per second out of the decoder (10 s window)',
      labelNames: ['camera'],
      registers,
      collect() {
        for (const [camera, meter] of decodedRate) this.set({ camera }, meter.rate());
      },
    });
    new Gauge({
      name: 'lookout_detector_inference_fps',
      help: 'Frames per second through inference (10 s window)',
      labelNames: ['camera'],
      registers,
      collect() {
        for (const [camera, meter] of inferredRate) this.set({ camera }, meter.rate());
      },
    });
  }

  frameDecoded(camera: string): void {
    this.decoded.inc({ camera });
    meter(this.#decodedRate, camera).mark();
  }

  frameInferred(camera: string, inferenceMs: number, latencyMs: number): void {
    this.inferred.inc({ camera });
    this.inferenceMs.observe({ camera }, inferenceMs);
    this.latencyMs.observe({ camera }, latencyMs);
    meter(this.#inferredRate, camera).mark();
  }

  /** One frame through motion detection and the gate (inferred frames are counted by frameInferred). */
  frameMotion(camera: string, motion: { motion: boolean; fraction: number; reset: boolean }, gated: boolean): void {
    this.motionFraction.set({ camera }, motion.fraction);
    if (motion.motion) this.motionFrames.inc({ camera });
    if (motion.reset) this.motionResets.inc({ camera });
    if (gated) this.gated.inc({ camera });
  }

  decodedFps(camera: string): number {
    return this.#decodedRate.get(camera)?.rate() ?? 0;
  }

  inferenceFps(camera: string): number {
    return this.#inferredRate.get(camera)?.rate() ?? 0;
  }
}

function meter(map: Map<string, RateMeter>, camera: string): RateMeter {
  let found = map.get(camera);
  if (!found) {
    found = new RateMeter();
    map.set(camera, found);
  }
  return found;
}
