/**
 * The detector process's outputs, loaded by `lookout detector` (cli/commands/detector.ts looks for
 * `createDetectorOutputs` here): a detector-role control plane that is the detector's
 * DetectionSink, serves detect ON/OFF over MQTT, NATS and HTTP once `attach()` binds the service,
 * and on `close()` flushes the outbox within `shutdown_timeout` (the rest stays on disk).
 */
import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import { ControlPlane } from './control-plane.ts';
import { LateDetectControl } from './late-controls.ts';
import { SnapshotOutputs, type SnapshotMessage } from './snapshot-outputs.ts';

export interface DetectorOutputsResult {
  sink: ControlPlane & { zoneCounts(zone: string, counts: Record<string, number>): void; snapshot(message: SnapshotMessage): void };
  plane: ControlPlane;
  attach(service: { setDetect(id: string, on: boolean): Promise<unknown> | unknown; status(id?: string): unknown }): void;
  close(): Promise<void>;
}

export async function createDetectorOutputs(config: LookoutConfig, logger: Logger): Promise<DetectorOutputsResult> {
  const detect = new LateDetectControl();
  const plane = new ControlPlane({ config, logger: logger.child({ component: 'control' }), detect, role: 'detector' });
  await plane.start();
  // Zone counts share the count topic shape, `<prefix>/<zone>/<label>` (retained, vanished labels
  // go to 0): zone names are validated to differ from every camera id, so the levels never clash.
  // Event snapshots: retained JPEGs on <prefix>/<camera>/<label>/snapshot (control/snapshot-outputs.ts).
  const snapshots = plane.mqtt
    ? new SnapshotOutputs({ mqtt: plane.mqtt, maxBytes: config.detector.snapshots.mqtt_max_bytes, intervalMs: config.detector.snapshots.mqtt_interval, logger })
    : undefined;
  const sink = Object.assign(plane, {
    zoneCounts: (zone: string, counts: Record<string, number>) => plane.counts(zone, counts),
    snapshot: (message: SnapshotMessage) => snapshots?.publish(message),
  });
  return {
    sink,
    plane,
    attach: (service) => detect.bind(service),
    close: async () => {
      snapshots?.close();
      await plane.stop(config.shutdown_timeout);
    },
  };
}
