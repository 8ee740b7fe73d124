/**
 * MQTT.js connection options from the `mqtt` config section: reconnect forever, LWT retained,
 * TLS files read once, no unbounded QoS 0 offline queue (per-frame detections are dropped while
 * disconnected instead of piling up in memory).
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { MqttConfig } from '../../common/config/schema-outputs.ts';

/** A TLS file named in the config could not be read; names the field, never the contents. */
export class MqttTlsFileError extends Error {
  override readonly name = 'MqttTlsFileError';
}

function readTlsFile(field: string, path: string | undefined): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new MqttTlsFileError(`mqtt.${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}

export interface ClientOptionsInput {
  config: MqttConfig;
  clientId: string;
  willTopic: string;
  reconnectPeriodMs?: number;
  protocolVersion?: 4 | 5;
}

export function mqttClientOptions(input: ClientOptionsInput): IClientOptions {
  const { config } = input;
  const options: IClientOptions = {
    clientId: config.client_id ?? input.clientId,
    protocolVersion: input.protocolVersion ?? 5,
    clean: true,
    reconnectPeriod: input.reconnectPeriodMs ?? 1000,
    connectTimeout: 10_000,
    keepalive: 30,
    resubscribe: false,
    queueQoSZero: false,
    reconnectOnConnackError: true,
    will: { topic: input.willTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    rejectUnauthorized: config.reject_unauthorized,
  };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  const ca = readTlsFile('ca_file', config.ca_file);
  const cert = readTlsFile('cert_file', config.cert_file);
  const key = readTlsFile('key_file', config.key_file);
  if (ca) options.ca = ca;
  if (cert) options.cert = cert;
  if (key) options.key = key;
  return options;
}
