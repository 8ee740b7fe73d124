/**
 * Home Assistant MQTT discovery configs (per-component discovery, works on every HA version).
 * Per camera one device; entities by role so a split gateway and detector never announce the same
 * topic: the detector announces a binary_sensor (occupancy) and a count sensor per label and the
 * detection switch; the gateway announces the stream switch and the restart button. Every entity
 * is available only when both the announcing process (`<prefix>/available` or
 * `<prefix>/detector/available`) and the camera (`<prefix>/<camera>/available`) are online
 * (`availability_mode: all`). unique_ids are `lookout_<instance>_<camera>_<role>` and double as the
 * discovery object_id, so they are stable and never collide between appliances.
 */
import type { ControlRole, MqttTopics } from './mqtt-topics.ts';
import { labelLevel } from './mqtt-topics.ts';

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

export function cameraAvailableTopic(topics: MqttTopics, camera: string): string {
  return `${topics.prefix}/${camera}/available`;
}

export function discoveryConfigs(cameras: readonly HaCamera[], options: HaEntityOptions): DiscoveryConfig[] {
  const { instanceId, role, topics } = options;
  const origin = { name: 'Lookout', sw_version: options.swVersion, support_url: 'https://github.com/lookout' };
  const hub = objectId('lookout', instanceId);
  const out: DiscoveryConfig[] = [];
  const add = (component: string, uniqueId: string, payload: Record<string, unknown>) => {
    out.push({ topic: `${options.discoveryPrefix}/${component}/${uniqueId}/config`, payload: { unique_id: uniqueId, object_id: uniqueId, ...payload, origin } });
  };
  const processId = objectId('lookout', instanceId, role === 'detector' ? 'detector' : 'gateway', 'available');
  add('binary_sensor', processId, {
    name: role === 'detector' ? 'Detector connected' : 'Connected',
    device_class: 'connectivity',
    entity_category: 'diagnostic',
    state_topic: options.availableTopic,
    payload_on: 'online',
    payload_off: 'offline',
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
    const availability = [{ topic: options.availableTopic, payload_available: 'online', payload_not_available: 'offline' }];
    if (options.cameraAvailability) availability.push({ topic: cameraAvailableTopic(topics, camera.id), payload_available: 'online', payload_not_available: 'offline' });
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
      }
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
