/**
 * Decodes incoming MQTT command messages for the command table and encodes the replies:
 *  - `<prefix>/<camera>/detect|stream/set` ← ON|OFF and `<prefix>/<camera>/restart/set` ← PRESS
 *    (the resulting state is published on `.../state` by the table's state hook; no reply);
 *  - JSON requests on `<prefix>/request[/<a>/<b>]`, replied on the MQTT 5 `responseTopic` with the
 *    `correlationData` echoed, else on `<prefix>/response[/<a>/<b>]` for 3.1.1 clients.
 * Retained messages on command topics are ignored with a log line (a retained command would re-fire
 * on every reconnect). Known commands handled by another process (split gateway/detector) are left
 * for that process to answer. A JSON request seen again within the dedupe window (same reply topic,
 * correlation data and id) is dropped without a reply and counted: one request, one execution, one
 * reply, whatever the broker delivers twice.
 */
import type { IClientPublishOptions, IPublishPacket } from 'mqtt';
import type { Logger } from '../../common/log.ts';
import type { CommandTable } from '../commands/command-table.ts';
import { errorReply, requestIdOf, type ReplyEnvelope } from '../commands/envelope.ts';
import { isCommandName, type MqttTopics } from './topics.ts';
import { RecentRequestIds, requestKey } from '../commands/recent-request-ids.ts';

export interface MqttCommandHandlerOptions {
  table: CommandTable;
  topics: MqttTopics;
  logger: Logger;
  maxPayloadBytes: number;
  /** Dedupe window for request ids (default: 60 s, 4096 ids). */
  recent?: RecentRequestIds;
  reply(topic: string, payload: string, options: IClientPublishOptions): Promise<void>;
}

type PacketProperties = IPublishPacket['properties'];

const SET_COMMANDS = {
  detect: { ON: 'detect.on', OFF: 'detect.off' },
  stream: { ON: 'stream.resume', OFF: 'stream.pause' },
  restart: { PRESS: 'stream.restart', ON: 'stream.restart' },
} as const;

export class MqttCommandHandler {
  readonly stats = { handled: 0, ignored: 0, ignoredRetained: 0, errorReplies: 0, duplicates: 0 };
  readonly #recent: RecentRequestIds;

  constructor(readonly options: MqttCommandHandlerOptions) {
    this.#recent = options.recent ?? new RecentRequestIds();
  }

  subscriptions(): string[] {
    const { table, topics } = this.options;
    const targets: Array<'detect' | 'stream' | 'restart'> = [];
    if (table.handles('detect.on')) targets.push('detect');
    if (table.handles('stream.pause')) targets.push('stream');
    if (table.handles('stream.restart')) targets.push('restart');
    return topics.subscriptions(targets);
  }

  handle(topic: string, payload: Buffer, retained: boolean, properties: PacketProperties): void {
    const parsed = this.options.topics.parse(topic);
    if (parsed.kind === 'unknown') return this.#ignore(topic, parsed.reason);
    if (retained) {
      this.stats.ignoredRetained++;
      this.options.logger.warn({ topic }, 'ignoring retained message on a command topic (commands must not be retained)');
      return;
    }
    if (parsed.kind === 'set') return this.#handleSet(topic, parsed.camera, parsed.target, payload);
    void this.#handleRequest(topic, parsed.command, payload, properties);
  }

  #handleSet(topic: string, camera: string, target: keyof typeof SET_COMMANDS, payload: Buffer): void {
    if (payload.length > 16) return this.#ignore(topic, `payload of ${payload.length} bytes is not ON/OFF/PRESS`);
    const word = payload.toString('utf8').trim().toUpperCase();
    const commands: Record<string, string> = SET_COMMANDS[target];
    const command = commands[word];
    if (!command) return this.#ignore(topic, `payload "${word}" is not one of ${Object.keys(commands).join('|')}`);
    if (!this.options.table.handles(command)) return;
    this.stats.handled++;
    void this.options.table.execute({ command, camera }, 'mqtt').then((reply) => {
      if (reply.status === 'error') {
        this.stats.errorReplies++;
        this.options.logger.warn({ topic, error: reply.error }, 'mqtt set command failed');
      }
    });
  }

  async #handleRequest(topic: string, topicCommand: string | undefined, payload: Buffer, properties: PacketProperties): Promise<void> {
    const { table, topics, maxPayloadBytes } = this.options;
    const destination = properties?.responseTopic ?? topics.response(topicCommand);
    const replyOptions: IClientPublishOptions = { qos: 1, retain: false };
    if (properties?.correlationData) replyOptions.properties = { correlationData: properties.correlationData };
    const send = (envelope: ReplyEnvelope) => {
      if (envelope.status === 'error') this.stats.errorReplies++;
      return this.options.reply(destination, JSON.stringify(envelope), replyOptions);
    };
    if (payload.length > maxPayloadBytes) {
      return send(errorReply('payload_too_large', `request of ${payload.length} bytes exceeds ${maxPayloadBytes} bytes`));
    }
    let body: unknown;
    try {
      body = payload.length === 0 ? {} : JSON.parse(payload.toString('utf8'));
    } catch (error) {
      return send(errorReply('bad_json', `request is not valid JSON: ${(error as Error).message}`));
    }
    let request: unknown = body;
    if (topicCommand !== undefined) {
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return send(errorReply('bad_request', 'request: must be a JSON object such as {"camera":"cam1"}'));
      }
      request = { ...(body as Record<string, unknown>), command: topicCommand };
    }
    const command = (request as { command?: unknown } | null)?.command;
    if (typeof command === 'string' && isCommandName(command) && !table.handles(command)) return;
    const key = requestKey(destination, requestIdOf(request), properties?.correlationData?.toString('base64'));
    if (key !== undefined && !this.#recent.admit(key)) {
      this.stats.duplicates++;
      table.metrics?.duplicate('mqtt');
      this.options.logger.debug({ topic, id: requestIdOf(request) }, 'dropping a repeated mqtt request (same id within the dedupe window)');
      return;
    }
    this.stats.handled++;
    const envelope = await table.execute(request, 'mqtt');
    if (envelope.id === undefined) {
      const id = requestIdOf(request);
      if (id !== undefined) envelope.id = id;
    }
    await send(envelope);
  }

  #ignore(topic: string, reason: string): void {
    this.stats.ignored++;
    this.options.logger.warn({ topic, reason }, 'ignoring mqtt message');
  }
}
