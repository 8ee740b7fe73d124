/**
 * What a control plane is made of, built from config, kept apart from its lifecycle
 * (control-plane.ts) so each reads on its own: the durable outbox, the command transports (MQTT
 * with HA discovery, NATS with JetStream), the embedded JSONL event file when no broker is
 * configured, and, at start, the outbox sinks that deliver events to whichever of those exist.
 * Building is inert (nothing connects or opens here); the plane starts and stops the parts.
 */
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import type { CommandTable } from './commands/command-table.ts';
import { JsonlEventFile } from './events/jsonl-sink.ts';
import { HaDiscovery } from './mqtt/ha-discovery.ts';
import { MqttTransport } from './mqtt/transport.ts';
import type { ControlRole } from './mqtt/topics.ts';
import { DEFAULT_LABELS } from './mqtt/retained-states.ts';
import { JetStreamSink } from './nats/jetstream-sink.ts';
import { NatsTransport } from './nats/transport.ts';
import { CircuitBreaker, circuitGauge } from './outbox/circuit-breaker.ts';
import { Outbox } from './outbox/outbox.ts';

export interface PlaneParts {
  outbox: Outbox;
  mqtt: MqttTransport | undefined;
  discovery: HaDiscovery | undefined;
  nats: NatsTransport | undefined;
  jetstream: JetStreamSink | undefined;
  /** Only when neither MQTT nor NATS is configured. */
  jsonl: JsonlEventFile | undefined;
}

export interface PlanePartsOptions {
  config: LookoutConfig;
  role: ControlRole;
  table: CommandTable;
  logger: Logger;
  swVersion?: string | undefined;
  /** MQTT reconnect period / NATS reconnect wait (tests shorten it). */
  reconnectMs?: number | undefined;
}

/** The outbox of this role, under `<state_dir>/outbox-<role>/`, sized and paced by `outbox.*`. */
function buildOutbox(config: LookoutConfig, role: ControlRole, logger: Logger): Outbox {
  const outbox = config.outbox;
  return new Outbox({
    dir: join(config.state_dir, `outbox-${role}`),
    logger: logger.child({ component: 'outbox' }),
    memoryItems: outbox.memory_items,
    diskBytes: outbox.disk_bytes,
    overflow: outbox.overflow,
    segmentBytes: outbox.segment_bytes,
    fsync: outbox.fsync,
    fsyncIntervalMs: outbox.fsync_interval,
    retryInitialMs: outbox.retry_initial,
    retryMaxMs: outbox.retry_max,
  });
}

function buildMqtt(options: PlanePartsOptions, clientId: string): Pick<PlaneParts, 'mqtt' | 'discovery'> {
  const { config, role, table, logger, reconnectMs } = options;
  if (!config.mqtt) return { mqtt: undefined, discovery: undefined };
  const mqtt = new MqttTransport({
    config: config.mqtt,
    role,
    clientId,
    logger: logger.child({ component: 'mqtt' }),
    table,
    maxPayloadBytes: config.http.body_limit_bytes,
    ...(reconnectMs !== undefined ? { reconnectPeriodMs: reconnectMs } : {}),
  });
  const ha = config.mqtt.home_assistant;
  if (!ha.enabled) return { mqtt, discovery: undefined };
  const discovery = new HaDiscovery({
    transport: mqtt,
    cameras: config.cameras.map((camera) => ({ id: camera.id, name: camera.name, labels: camera.detect?.labels ?? DEFAULT_LABELS })),
    discoveryPrefix: ha.discovery_prefix,
    statusTopic: ha.status_topic,
    instanceId: config.instance_id,
    role,
    cameraAvailability: ha.camera_availability,
    swVersion: options.swVersion ?? '0.1.0',
    recordFile: join(config.state_dir, `ha-discovery-${role}.json`),
    logger: logger.child({ component: 'ha-discovery' }),
  });
  return { mqtt, discovery };
}

function buildNats(options: PlanePartsOptions, clientId: string): Pick<PlaneParts, 'nats' | 'jetstream'> {
  const { config, table, logger, reconnectMs } = options;
  if (!config.nats) return { nats: undefined, jetstream: undefined };
  const nats = new NatsTransport({
    config: config.nats,
    site: config.nats.site ?? config.instance_id,
    name: clientId,
    logger: logger.child({ component: 'nats' }),
    table,
    maxPayloadBytes: config.http.body_limit_bytes,
    ...(reconnectMs !== undefined ? { reconnectTimeWaitMs: reconnectMs } : {}),
  });
  const jetstream = config.nats.jetstream.enabled
    ? new JetStreamSink(nats, config.nats.jetstream, config.nats.request_timeout, logger.child({ component: 'jetstream' }))
    : undefined;
  return { nats, jetstream };
}

/** Every part the config asks for, built but not started. */
export function buildPlaneParts(options: PlanePartsOptions): PlaneParts {
  const { config, role, logger } = options;
  const clientId = `lookout-${config.instance_id}-${role}`;
  const jsonl =
    !config.mqtt && !config.nats ? new JsonlEventFile(config.state_dir, config.outbox.jsonl_max_bytes, config.outbox.jsonl_files) : undefined;
  return { outbox: buildOutbox(config, role, logger), ...buildMqtt(options, clientId), ...buildNats(options, clientId), jsonl };
}

/**
 * Adds one outbox sink per event destination (MQTT events topic; JetStream, or core NATS without
 * it; the JSONL file), each behind its own circuit breaker, and kicks a sink's retries when its
 * broker reconnects. Call after the outbox is open. Returns the sink names (for the metrics).
 */
export function addEventSinks(parts: PlaneParts, config: LookoutConfig, registry: Registry, logger: Logger): string[] {
  const { outbox, mqtt, nats, jetstream, jsonl } = parts;
  const gauge = circuitGauge(registry);
  const breaker = (name: string) =>
    new CircuitBreaker({ name, failureThreshold: config.outbox.breaker_failures, cooldownMs: config.outbox.breaker_cooldown, gauge });
  const names: string[] = [];
  if (mqtt) {
    outbox.addSink({
      name: 'mqtt',
      kinds: ['event'],
      breaker: breaker('mqtt'),
      send: (record) => mqtt.publish(mqtt.topics.events(), JSON.stringify(record.data), { qos: 1, retain: false }),
    });
    mqtt.onConnect(() => outbox.kick('mqtt'));
    names.push('mqtt');
  }
  if (nats) {
    const name = jetstream ? 'jetstream' : 'nats';
    outbox.addSink({
      name,
      kinds: ['event'],
      breaker: breaker(name),
      send: jetstream
        ? async (record) => void (await jetstream.send(record.id, JSON.stringify(record.data)))
        : (record) => nats.publish(nats.subjects.events(), JSON.stringify(record.data)),
    });
    nats.onConnect(() => outbox.kick());
    names.push(name);
  }
  if (jsonl) {
    outbox.addSink({ name: 'jsonl', kinds: ['event'], breaker: breaker('jsonl'), send: (record) => jsonl.append(JSON.stringify(record.data)) });
    logger.info({ file: jsonl.path, http: 'GET /api/v1/events' }, 'no MQTT or NATS broker configured: events go to a JSONL file and the HTTP API');
    names.push('jsonl');
  }
  return names;
}
