/**
 * The one wiring point of the detector process, used by `lookout detector` (which is also `lookout
 * up`'s supervised child): its control plane in the `detector` role (the detector's sink, detect
 * ON/OFF over MQTT, NATS and HTTP, `/api/v1/commands`) and the detector service (decoders, model,
 * tracker, HTTP API).
 *
 * Start order: the control plane first (the detector needs its sink from its first frame), then
 * the service; detect commands before the service is up get a `conflict` reply (the detector
 * service is built by its static `start()`, so its control is bound once it exists). A user's
 * detect-off is durable (`<state_dir>/desired-detect.json`): re-applied right after the service
 * started (its decoder runs for that moment), before the process reports ready. Stop: the
 * service drains (in-flight inferences reach the sink), then the control plane flushes within
 * `shutdown_timeout`; memoized, `closed` after.
 */
import type { LookoutConfig } from '../common/config/schema.ts';
import { ServiceState } from '../common/lifecycle/service-state.ts';
import type { Logger } from '../common/log.ts';
import { createDetectorOutputs, type DetectorOutputsResult } from '../control/events/detector-outputs.ts';
import { InferencePool } from '../detector/inference/inference-pool.ts';
import { DetectorService } from '../detector/service.ts';
import { ObjectTracker } from '../detector/track/index.ts';

export class DetectorProcess {
  readonly #state = new ServiceState('detector process');
  #outputs: DetectorOutputsResult | undefined;
  #service: DetectorService | undefined;
  #drained = true;

  constructor(
    readonly config: LookoutConfig,
    readonly logger: Logger,
  ) {}

  get closed(): Promise<void> {
    return this.#state.closed;
  }

  /** Control plane, then the detector; on failure everything started is stopped and the error rethrown. */
  async start(): Promise<void> {
    const signal = this.#state.beginStart();
    try {
      const outputs = await createDetectorOutputs(this.config, this.logger);
      this.#outputs = outputs;
      signal.throwIfAborted();
      const service = await new DetectorService({
        config: this.config,
        logger: this.logger,
        sink: outputs.sink,
        routes: [outputs.plane.httpRoutes],
        createPool: (options) => InferencePool.create(options),
        createTracker: () => new ObjectTracker(),
      }).start();
      this.#service = service;
      outputs.attach(service);
      const off = await outputs.restoreDesired();
      if (off.length > 0) this.logger.info({ cameras: off }, 'detection kept off for cameras a user turned it off for (desired-detect.json)');
      this.#state.started();
    } catch (error) {
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Memoized; `drained` is false when events were left undelivered (they stay on disk). */
  async stop(): Promise<{ drained: boolean }> {
    await this.#state.stop(async () => {
      const result = await this.#service?.stop();
      this.#drained = result?.drained ?? true;
      await this.#outputs?.close();
    });
    return { drained: this.#drained };
  }
}
