/**
 * Announces Home Assistant discovery configs (retained, QoS 1) on every connect and again whenever
 * HA publishes `online` on its status topic (then re-publishes states, since HA lost them), and
 * removes ghosts: the topics announced last time are recorded in the state dir, and any topic no
 * longer announced (removed camera or label) gets an empty retained payload, which deletes the
 * entity in HA.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../common/log.ts';
import { discoveryConfigs, type HaCamera, type HaEntityOptions } from './ha-entities.ts';
import type { MqttTransport } from './transport.ts';
import { ensurePrivateDirSync } from '../../common/private-files.ts';
import { writeFileAtomicSync } from '../../common/atomic-file.ts';

export interface HaDiscoveryOptions extends Omit<HaEntityOptions, 'topics' | 'availableTopic'> {
  transport: MqttTransport;
  cameras: readonly HaCamera[];
  statusTopic: string;
  /** File recording the config topics announced (for ghost cleanup after a restart). */
  recordFile: string;
  logger: Logger;
}

export class HaDiscovery {
  readonly stats = { announcements: 0, cleared: 0, births: 0 };
  #announcing: Promise<void> | undefined;

  constructor(readonly options: HaDiscoveryOptions) {}

  /** Wires announce-on-connect and announce-on-HA-birth; call before the transport starts. */
  attach(): void {
    const { transport, statusTopic, logger } = this.options;
    transport.onConnect(() => void this.announce());
    transport.subscribeTopic(statusTopic, (payload) => {
      if (payload.toString('utf8').trim() !== 'online') return;
      this.stats.births++;
      logger.info('home assistant came online; re-announcing discovery and states');
      void this.announce().then(() => transport.republishRetained());
    });
  }

  configs() {
    const { transport } = this.options;
    return discoveryConfigs(this.options.cameras, { ...this.options, topics: transport.topics, availableTopic: transport.availableTopic });
  }

  /** Clears ghosts, then publishes every config; one announcement at a time. */
  announce(): Promise<void> {
    this.#announcing ??= this.#announce().finally(() => {
      this.#announcing = undefined;
    });
    return this.#announcing;
  }

  async #announce(): Promise<void> {
    const { transport, logger } = this.options;
    const configs = this.configs();
    const current = new Set(configs.map((config) => config.topic));
    const previous = this.#loadRecord();
    try {
      for (const topic of previous) {
        if (current.has(topic)) continue;
        await transport.publish(topic, '', { qos: 1, retain: true });
        this.stats.cleared++;
      }
      for (const config of configs) await transport.publish(config.topic, JSON.stringify(config.payload), { qos: 1, retain: true });
      this.stats.announcements++;
      this.#saveRecord([...current]);
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'home assistant discovery incomplete; will retry on reconnect');
    }
  }

  #loadRecord(): string[] {
    try {
      const raw = JSON.parse(readFileSync(this.options.recordFile, 'utf8')) as { topics?: unknown };
      return Array.isArray(raw.topics) ? raw.topics.filter((topic): topic is string => typeof topic === 'string') : [];
    } catch {
      return [];
    }
  }

  #saveRecord(topics: string[]): void {
    const file = this.options.recordFile;
    ensurePrivateDirSync(dirname(file));
    writeFileAtomicSync(file, JSON.stringify({ topics }, null, 2));
  }
}
