/**
 * Home Assistant MQTT discovery configs (per-component discovery, works on every HA version).
 * Per camera one device; entities by role so a split gateway and detector never announce the same
 * topic: the detector announces a binary_sensor (occupancy), a count sensor and a snapshot image
 * per label, and a snapshot image and the detection switch per camera; the gateway announces the stream switch and the restart button. Every entity
 * is available only when both the announcing process (`<prefix>/available` or
 * `<prefix>/detector/available`) and the camera (`<prefix>/<camera>/available`) are online
 * (`availability_mode: all`). unique_ids are `lookout_<instance>_<camera>_<role>` and double as the
 * discovery object_id, so they are stable and never collide between appliances.
 *
 * Availability topics carry three payloads (`online`, `stopped` on a clean stop, `offline` from the
 * last will or a failing camera), but HA only compares against `payload_available` /
 * `payload_not_available`; anything else is ignored and the entity keeps its last availability.
 * So every availability entry maps the payload with AVAILABILITY_TEMPLATE first. HA 2025.10 takes
 * the entity id suggestion from `default_entity_id` (`object_id` stops working in 2026.4); both are
 * sent. No `support_url`: the project has no public page yet, and a made-up link helps nobody.
 */
import type { ControlRole, MqttTopics } from './topics.ts';
import { labelLevel } from './topics.ts';
import { ALL_LABELS, snapshotTopic } from '../events/snapshot-outputs.ts';

export interface HaCamera {
  id: string;
  name?: string | undefined;
  labels: readonly string[];
}

export interface HaEntityOptions {
  discoveryPrefix: string;
  instanceId: string;
  role: ControlRole;
  topics: MqttTopics;
  availableTopic: string;
  cameraAvailability: boolean;
  swVersion: string;
}

export interface DiscoveryConfig {
  topic: string;
  payload: Record<string, unknown>;
}

/** HA object ids may only contain [a-zA-Z0-9_-]. */
export function objectId(...parts: string[]): string {
  return parts.join('_').replace(/[^a-zA-Z0-9_-]/g, '_');
}

/** Every availability entry's template: `online` stays `online`, anything else means unavailable. */
export const AVAILABILITY_TEMPLATE = "{{ 'online' if value == 'online' else 'offline' }}";

/** The connected sensors' state template: the process's availability payload as ON/OFF. */
export const CONNECTED_STATE_TEMPLATE = "{{ 'ON' if value == 'online' else 'OFF' }}";

/** One availability entry HA accepts: topic, the mapping template, and the payloads it yields. */
export function availabilityEntry(topic: string) {
  return { topic, value_template: AVAILABILITY_TEMPLATE, payload_available: 'online', payload_not_available: 'offline' };
}

export function discoveryConfigs(cameras: readonly HaCamera[], options: HaEntityOptions): DiscoveryConfig[] {
  const { instanceId, role, topics } = options;
  const origin = { name: 'Lookout', sw_version: options.swVersion };
  const hub = objectId('lookout', instanceId);
  const out: DiscoveryConfig[] = [];
  const add = (component: string, uniqueId: string, payload: Record<string, unknown>) => {
    const ids = { unique_id: uniqueId, object_id: uniqueId, default_entity_id: `${component}.${uniqueId}` };
    out.push({ topic: `${options.discoveryPrefix}/${component}/${uniqueId}/config`, payload: { ...ids, ...payload, origin } });
  };
  const processId = objectId('lookout', instanceId, role === 'detector' ? 'detector' : 'gateway', 'available');
  add('binary_sensor', processId, {
    name: role === 'detector' ? 'Detector connected' : 'Connected',
    device_class: 'connectivity',
    entity_category: 'diagnostic',
    state_topic: options.availableTopic,
    value_template: CONNECTED_STATE_TEMPLATE,
    payload_on: 'ON',
    payload_off: 'OFF',
    // Unavailable (not just off) once the process stopped or vanished, like every other entity.
    availability: [availabilityEntry(options.availableTopic)],
    device: { identifiers: [hub], name: `Lookout ${instanceId}`, manufacturer: 'Lookout', model: 'Edge camera gateway', sw_version: options.swVersion },
  });
  const detects = role !== 'gateway';
  const streams = role !== 'detector';
  for (const camera of cameras) {
    const device = {
      identifiers: [objectId('lookout', instanceId, camera.id)],
      name: camera.name ?? camera.id,
      manufacturer: 'Lookout',
      model: 'Camera via Lookout',
      via_device: hub,
    };
    const availability = [availabilityEntry(options.availableTopic)];
    if (options.cameraAvailability) availability.push(availabilityEntry(topics.cameraAvailable(camera.id)));
    const common = { device, availability, availability_mode: 'all' };
    if (detects) {
      for (const label of camera.labels) {
        const level = labelLevel(label);
        const title = label.charAt(0).toUpperCase() + label.slice(1);
        add('binary_sensor', objectId('lookout', instanceId, camera.id, level, 'occupancy'), {
          name: title,
          device_class: 'occupancy',
          state_topic: topics.count(camera.id, label),
          value_template: "{{ 'ON' if (value | int(0)) > 0 else 'OFF' }}",
          payload_on: 'ON',
          payload_off: 'OFF',
          ...common,
        });
        add('sensor', objectId('lookout', instanceId, camera.id, level, 'count'), {
          name: `${title} count`,
          state_topic: topics.count(camera.id, label),
          state_class: 'measurement',
          icon: 'mdi:counter',
          ...common,
        });
        // The label's latest event snapshot (retained JPEG, control/events/snapshot-outputs.ts).
        add('image', objectId('lookout', instanceId, camera.id, level, 'snapshot'), {
          name: `${title} snapshot`,
          image_topic: snapshotTopic(topics.prefix, camera.id, label),
          content_type: 'image/jpeg',
          ...common,
        });
      }
      add('image', objectId('lookout', instanceId, camera.id, 'snapshot'), {
        name: 'Snapshot',
        image_topic: snapshotTopic(topics.prefix, camera.id, ALL_LABELS),
        content_type: 'image/jpeg',
        ...common,
      });
      add('switch', objectId('lookout', instanceId, camera.id, 'detect'), {
        name: 'Detection',
        entity_category: 'config',
        command_topic: topics.set(camera.id, 'detect'),
        state_topic: topics.state(camera.id, 'detect'),
        payload_on: 'ON',
        payload_off: 'OFF',
        retain: false,
        ...common,
      });
    }
    if (streams) {
      add('switch', objectId('lookout', instanceId, camera.id, 'stream'), {
        name: 'Stream',
        command_topic: topics.set(camera.id, 'stream'),
        state_topic: topics.state(camera.id, 'stream'),
        payload_on: 'ON',
        payload_off: 'OFF',
        retain: false,
        ...common,
      });
      add('button', objectId('lookout', instanceId, camera.id, 'restart'), {
        name: 'Restart stream',
        device_class: 'restart',
        entity_category: 'config',
        command_topic: topics.set(camera.id, 'restart'),
        payload_press: 'PRESS',
        retain: false,
        ...common,
      });
    }
  }
  return out;
}
