/**
 * Everything the detector does with pictures, built in one place for the service: the event store
 * (`<state_dir>/events.db`), the snapshot files (`<state_dir>/snapshots/`), the latest frames, the
 * snapshot keeper, the HTTP routes, and the sink that sits in front of the outputs: it stores every
 * event, offers its frame to the keeper, and forwards the event with `hasSnapshot`/`snapshot`.
 */
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { LookoutConfig } from '../../common/config/schema.ts';
import type { CameraConfig } from '../../common/config/schema-gateway.ts';
import type { Logger } from '../../common/log.ts';
import { EventStore } from '../event-store/event-store.ts';
import { eventsHttpRoutes } from '../events-http.ts';
import type { FastifyInstance } from 'fastify';
import { LatestFrames } from '../latest-frame/latest-frames.ts';
import type { DetectionSink } from '../publisher.ts';
import type { TrackEvent } from '../track/types.ts';
import { SnapshotMetrics } from './metrics.ts';
import { SnapshotFiles } from './snapshot-files.ts';
import { SnapshotKeeper, type SnapshotLook, type WrittenSnapshot } from './snapshot-keeper.ts';
import { settledWithin } from '../../common/lifecycle/deadline.ts';

/** How often retention runs besides after each snapshot write. */
const RETENTION_INTERVAL_MS = 10 * 60_000;

export interface PicturesOptions {
  config: LookoutConfig;
  logger: Logger;
  registry: Registry;
  /** Where events and results go after this (the control plane's sink). */
  downstream: DetectionSink;
  cameraState: (id: string) => string | undefined;
  /** A snapshot was written (MQTT publishing hooks in here). */
  onSnapshot?: (snapshot: WrittenSnapshot) => void;
}

/** One camera's snapshot look: `detector.snapshots` with `cameras[].snapshots` on top. */
export function snapshotLook(config: LookoutConfig, camera: CameraConfig | undefined): SnapshotLook & { height: number } {
  const global = config.detector.snapshots;
  const own = camera?.snapshots ?? {};
  return {
    enabled: own.enabled ?? global.enabled,
    height: own.height ?? global.height,
    quality: own.quality ?? global.quality,
    crop: own.crop ?? global.crop,
    boundingBox: own.bounding_box ?? global.bounding_box,
    allBoxes: own.all_boxes ?? global.all_boxes,
    timestamp: own.timestamp ?? global.timestamp,
    thumbnailHeight: global.thumbnail_height,
    zones: (own.zones ?? global.zones) && camera?.zones ? Object.values(camera.zones).map((zone) => zone.coordinates) : [],
  };
}

export class Pictures {
  readonly latest: LatestFrames;
  readonly keeper: SnapshotKeeper;
  readonly sink: DetectionSink;
  readonly routes: (app: FastifyInstance) => Promise<void>;
  readonly #looks = new Map<string, SnapshotLook & { height: number }>();
  /** Retention also runs on a timer: with snapshots off (no writes), old events still go. */
  readonly #retention: NodeJS.Timeout;

  private constructor(
    readonly store: EventStore,
    readonly files: SnapshotFiles,
    readonly options: PicturesOptions,
  ) {
    const { config, logger, downstream } = options;
    const metrics = files.metrics;
    for (const camera of config.cameras) this.#looks.set(camera.id, snapshotLook(config, camera));
    this.latest = new LatestFrames({ ...(metrics ? { metrics } : {}), quality: config.detector.snapshots.quality });
    this.keeper = new SnapshotKeeper({
      files,
      look: (camera) => this.#looks.get(camera) ?? snapshotLook(config, undefined),
      frameFor: (camera, index) => this.latest.frameFor(camera, index),
      ...(metrics ? { metrics } : {}),
      onWritten: (snapshot) => {
        options.onSnapshot?.(snapshot);
        // The outputs publish it if they can (control/events/detector-outputs.ts: MQTT `<camera>/<label>/snapshot`).
        (downstream as DetectionSink & { snapshot?: (message: WrittenSnapshot) => void }).snapshot?.(snapshot);
      },
      onError: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'snapshot failed'),
    });
    this.routes = eventsHttpRoutes({ store, files, latest: this.latest, cameraState: options.cameraState });
    this.#retention = setInterval(() => {
      files.enforce().catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'snapshot retention failed'));
    }, RETENTION_INTERVAL_MS);
    this.#retention.unref();
    const keeper = this.keeper;
    const latest = this.latest;
    this.sink = {
      frame(result) {
        latest.result(result);
        keeper.frame(result);
        downstream.frame(result);
      },
      event(event: TrackEvent) {
        try {
          store.upsert(event);
        } catch (error) {
          logger.error({ err: error instanceof Error ? error.message : String(error), event: event.id }, 'event store write failed');
        }
        const facts = keeper.event(event);
        downstream.event({ ...event, ...facts });
      },
      counts: (camera, counts) => downstream.counts(camera, counts),
      zoneCounts: (zone, counts) => downstream.zoneCounts?.(zone, counts),
    };
  }

  static async open(options: PicturesOptions): Promise<Pictures> {
    const { config } = options;
    const retain = config.detector.snapshots.retain;
    const store = await EventStore.open(join(config.state_dir, 'events.db'));
    try {
      const files = new SnapshotFiles(join(config.state_dir, 'snapshots'), store, { maxFiles: retain.max_files, maxBytes: retain.max_bytes, maxAgeMs: retain.max_age }, new SnapshotMetrics(options.registry));
      const swept = await files.init();
      if (swept.temp + swept.orphans + swept.missing > 0) options.logger.info(swept, 'snapshot sweep');
      await files.enforce();
      return new Pictures(store, files, options);
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** Height of the decoder's full-frame output for a camera. */
  frameHeight(camera: string): number {
    return (this.#looks.get(camera) ?? snapshotLook(this.options.config, undefined)).height;
  }

  /** Finishes snapshots in progress (for at most `deadlineMs`), then closes the store. */
  async close(deadlineMs = 5000): Promise<void> {
    clearInterval(this.#retention);
    const finished = await settledWithin(
      this.keeper.idle().then(() => this.files.idle()),
      deadlineMs,
    );
    // A snapshot still being written then loses its row update; the next start's sweep removes its files.
    if (!finished) this.options.logger.warn({ deadlineMs }, 'closing the event store with snapshots still being written');
    await this.store.close();
  }
}
