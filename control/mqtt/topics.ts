/**
 * MQTT topic names in one place (Frigate-compatible shapes under a configurable prefix) and the
 * parser for incoming command topics. Topic levels other than the prefix come from camera ids
 * ([a-z0-9_-]) and labels (spaces become `_`), so they never contain `+`, `#` or `/`. Fixed levels
 * are spelled with the constants of common/topic-words.ts, the list camera ids are checked against.
 */
import { WORD } from '../../common/topic-words.ts';
import { COMMANDS, type CommandName } from '../commands/command-table.ts';

/** Which process publishes: each role owns its own retained topics so two processes never fight. */
export type ControlRole = 'combined' | 'gateway' | 'detector';

export type IncomingTopic =
  | { kind: 'set'; camera: string; target: 'detect' | 'stream' | 'restart' }
  | { kind: 'request'; command: string | undefined }
  | { kind: 'unknown'; reason: string };

/** Labels become one topic level: lower case, spaces and unsafe characters → `_`. */
export function labelLevel(label: string): string {
  return label.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '_') || '_';
}

export class MqttTopics {
  constructor(readonly prefix: string) {}

  /** LWT/birth topic: `<prefix>/available` for the gateway (or a combined process), `<prefix>/detector/available` for a split detector. */
  available(role: ControlRole): string {
    return role === 'detector' ? `${this.prefix}/${WORD.detector}/${WORD.available}` : `${this.prefix}/${WORD.available}`;
  }

  events(): string {
    return `${this.prefix}/${WORD.events}`;
  }

  count(camera: string, label: string): string {
    return `${this.prefix}/${camera}/${labelLevel(label)}`;
  }

  detections(camera: string): string {
    return `${this.prefix}/${camera}/${WORD.detections}`;
  }

  set(camera: string, target: 'detect' | 'stream' | 'restart'): string {
    return `${this.prefix}/${camera}/${WORD[target]}/${WORD.set}`;
  }

  state(camera: string, target: 'detect' | 'stream'): string {
    return `${this.prefix}/${camera}/${WORD[target]}/${WORD.state}`;
  }

  /** Camera availability (`online`/`offline`, retained), published by the gateway. */
  cameraAvailable(camera: string): string {
    return `${this.prefix}/${camera}/${WORD.available}`;
  }

  /** JSON requests: `<prefix>/request` (command in the body) or `<prefix>/request/<a>/<b>` for command `a.b`. */
  request(command?: CommandName): string {
    return command ? `${this.prefix}/${WORD.request}/${command.replace('.', '/')}` : `${this.prefix}/${WORD.request}`;
  }

  /** Fallback reply topic for MQTT 3.1.1 clients (no responseTopic property). */
  response(command?: string): string {
    return command ? `${this.prefix}/${WORD.response}/${command.replace('.', '/')}` : `${this.prefix}/${WORD.response}`;
  }

  /**
   * Subscriptions for a process that handles `targets`. No two filters may match one topic: a
   * broker delivers a message once per matching subscription, so an overlap means a command runs
   * twice. `<prefix>/request/#` also matches `<prefix>/request` itself (`#` includes the parent
   * level), so it is the only request filter; reserved camera ids keep `+/<target>/set` apart.
   */
  subscriptions(targets: ReadonlyArray<'detect' | 'stream' | 'restart'>): string[] {
    return [...targets.map((target) => this.set('+', target)), `${this.prefix}/${WORD.request}/#`];
  }

  parse(topic: string): IncomingTopic {
    if (!topic.startsWith(`${this.prefix}/`)) return { kind: 'unknown', reason: 'outside the topic prefix' };
    const levels = topic.slice(this.prefix.length + 1).split('/');
    if (levels[0] === WORD.request) {
      if (levels.length === 1) return { kind: 'request', command: undefined };
      const command = levels.slice(1).join('.');
      return { kind: 'request', command };
    }
    if (levels.length === 3 && levels[2] === WORD.set) {
      const [camera, target] = levels as [string, string];
      if (target === 'detect' || target === 'stream' || target === 'restart') return { kind: 'set', camera, target };
      return { kind: 'unknown', reason: `unknown set target "${target}"` };
    }
    return { kind: 'unknown', reason: `unexpected topic levels (${levels.length})` };
  }
}

/** True for a known command name. */
export function isCommandName(value: string): value is CommandName {
  return (COMMANDS as readonly string[]).includes(value);
}
