/**
 * The detector process's outputs (appliance/detector-process.ts wires them): a detector-role
 * control plane that is the detector's DetectionSink, serves detect ON/OFF over MQTT, NATS and HTTP
 * once `attach()` binds the service, and on `close()` flushes the outbox within `shutdown_timeout`
 * (the rest stays on disk). The detector service is built by its static `start()`, which needs the
 * sink first, so detect commands before `attach()` get a `conflict` reply ("still starting").
 */
import type { LookoutConfig } from '../../common/config/schema.ts';
import type { Logger } from '../../common/log.ts';
import { CameraSetFile } from '../../common/camera-set-file.ts';
import { ControlPlane } from '../control-plane.ts';
import type { DetectControl } from '../commands/controls.ts';
import { CommandError } from '../commands/envelope.ts';
import { SnapshotOutputs, type SnapshotMessage } from './snapshot-outputs.ts';

export interface DetectorOutputsResult {
  sink: ControlPlane & { zoneCounts(zone: string, counts: Record<string, number>): void; snapshot(message: SnapshotMessage): void };
  plane: ControlPlane;
  attach(service: { setDetect(id: string, on: boolean): Promise<unknown> | unknown; status(id?: string): unknown }): void;
  /** Re-applies the user's detect-off choices kept from earlier runs (after attach); resolves with those cameras. */
  restoreDesired(): Promise<string[]>;
  close(): Promise<void>;
}

export const DESIRED_DETECT_FILE = 'desired-detect.json';

type DetectTarget = { setDetect(id: string, on: boolean): Promise<unknown> | unknown; status(id?: string): unknown };

export async function createDetectorOutputs(config: LookoutConfig, logger: Logger): Promise<DetectorOutputsResult> {
  let target: DetectTarget | undefined;
  // The user's detect-off choices survive a restart (<state_dir>/desired-detect.json; detect.on clears).
  const detectOff = new CameraSetFile(config.state_dir, DESIRED_DETECT_FILE, 'detect_off', logger);
  const detect: DetectControl = {
    set: async (id, on) => {
      if (!target) throw new CommandError('conflict', 'the detector is still starting; try again');
      const result = await target.setDetect(id, on);
      detectOff.set(id, !on);
      return result;
    },
    status: (id) => (target ? target.status(id) : { ready: false }),
  };
  const plane = new ControlPlane({ config, logger: logger.child({ component: 'control' }), detect, role: 'detector' });
  await plane.start();
  // Zone counts share the count topic shape, `<prefix>/<zone>/<label>` (retained, vanished labels
  // go to 0): zone names are validated to differ from every camera id, so the levels never clash.
  // Event snapshots: retained JPEGs on <prefix>/<camera>/<label>/snapshot (control/events/snapshot-outputs.ts).
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
    attach: (service) => {
      target = service;
    },
    restoreDesired: async () => {
      const cameras = detectOff.ids().filter((id) => config.cameras.some((camera) => camera.id === id));
      // Through the table, so the retained detect/state follows.
      for (const camera of cameras) await plane.table.execute({ command: 'detect.off', camera }, 'http');
      return cameras;
    },
    close: async () => {
      snapshots?.close();
      await plane.stop(config.shutdown_timeout);
    },
  };
}
