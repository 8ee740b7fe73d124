/**
 * The retained state topics one process owns, and their NATS notifications: stream state and
 * camera availability (gateway role), detect state and object counts (detector role), and the
 * first publication of each at start. Split from the control plane so its wiring stays readable;
 * MQTT caches every retained value until it is connected, so nothing here waits.
 */
import type { CameraConfig } from '../../common/config/schema-gateway.ts';
import type { MqttTransport } from './transport.ts';
import type { NatsTransport } from '../nats/transport.ts';
import { streamStateOf, type StreamStateSource } from '../events/stream-state.ts';

/** Stream state as the gateway reports it. */
export interface StreamStateUpdate {
  on: boolean;
  /** False when the camera is failing (HA entities of the camera become unavailable). */
  available?: boolean;
}

/** Labels counted for a camera without `detect.labels`. */
export const DEFAULT_LABELS = ['person'];

export interface RetainedStatesOptions {
  cameras: readonly CameraConfig[];
  mqtt: MqttTransport | undefined;
  nats: NatsTransport | undefined;
  /** This process owns the stream topics (gateway/combined role). */
  stream: boolean;
  /** This process owns the detect and count topics (detector/combined role). */
  detect: boolean;
  /** Where a camera's current stream state comes from (the pipeline manager). */
  streamStates?: StreamStateSource | undefined;
}

export class RetainedStates {
  readonly #counts = new Map<string, Map<string, number>>();

  constructor(private readonly options: RetainedStatesOptions) {}

  /** Retained `stream/state` (and camera availability when given), NATS `…stream.state`. */
  stream(camera: string, update: StreamStateUpdate): void {
    const { mqtt, nats } = this.options;
    if (mqtt) {
      mqtt.publishRetained(mqtt.topics.state(camera, 'stream'), update.on ? 'ON' : 'OFF');
      if (update.available !== undefined) mqtt.publishRetained(mqtt.topics.cameraAvailable(camera), update.available ? 'online' : 'offline', { onStop: 'offline' });
    }
    nats?.publishState(camera, 'stream', update.on);
  }

  /** Retained `detect/state`, NATS `…detect.state`. */
  detect(camera: string, on: boolean): void {
    const { mqtt, nats } = this.options;
    mqtt?.publishRetained(mqtt.topics.state(camera, 'detect'), on ? 'ON' : 'OFF');
    nats?.publishState(camera, 'detect', on);
  }

  /** Object counts per label: retained `<prefix>/<camera>/<label>`, only on change; vanished labels go to 0. */
  counts(camera: string, counts: Record<string, number>): void {
    const mqtt = this.options.mqtt;
    if (!mqtt) return;
    const previous = this.#counts.get(camera) ?? new Map<string, number>();
    const next = new Map(Object.entries(counts));
    for (const label of previous.keys()) if (!next.has(label)) next.set(label, 0);
    for (const [label, count] of next) {
      if (previous.get(label) !== count) mqtt.publishRetained(mqtt.topics.count(camera, label), String(count));
    }
    this.#counts.set(camera, new Map([...next].filter(([, count]) => count > 0)));
  }

  /** The first value of every topic this process owns (the stream state is the manager's, when known). */
  initial(): void {
    const { mqtt, streamStates } = this.options;
    if (!mqtt) return;
    for (const camera of this.options.cameras) {
      if (this.options.stream) {
        const update = streamStates && camera.enabled ? streamStateOf(streamStates.status(camera.id)) : { on: camera.enabled, available: true };
        mqtt.publishRetained(mqtt.topics.state(camera.id, 'stream'), update.on ? 'ON' : 'OFF');
        mqtt.publishRetained(mqtt.topics.cameraAvailable(camera.id), update.available === false ? 'offline' : 'online', { onStop: 'offline' });
      }
      if (this.options.detect) {
        mqtt.publishRetained(mqtt.topics.state(camera.id, 'detect'), (camera.detect?.enabled ?? true) ? 'ON' : 'OFF');
        for (const label of camera.detect?.labels ?? DEFAULT_LABELS) mqtt.publishRetained(mqtt.topics.count(camera.id, label), '0');
      }
    }
  }
}
