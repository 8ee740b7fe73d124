/**
 * NATS subjects: `lookout.<site>.<camera>.detections`, `lookout.<site>.events`, and request/reply
 * control on `lookout.<site>.control.<camera>.<command>` where the command is `stream.pause`,
 * `detect.on`, ... (two tokens) or a one-token alias (`pause`, `resume`, `restart`, `status`).
 * The camera token `ALL` addresses every camera (`*` is a wildcard in NATS and cannot be published).
 * Fixed tokens are spelled with the constants of common/topic-words.ts (the reserved-word list).
 */
import { WORD } from '../../common/topic-words.ts';

export const COMMAND_ALIASES: Record<string, string> = {
  [WORD.pause]: 'stream.pause',
  [WORD.resume]: 'stream.resume',
  [WORD.restart]: 'stream.restart',
};

export class NatsSubjects {
  constructor(readonly site: string) {}

  events(): string {
    return `lookout.${this.site}.${WORD.events}`;
  }

  detections(camera: string): string {
    return `lookout.${this.site}.${camera}.${WORD.detections}`;
  }

  state(camera: string, kind: 'stream' | 'detect'): string {
    return `lookout.${this.site}.${camera}.${WORD[kind]}.${WORD.state}`;
  }

  control(camera: string, command: string): string {
    return `lookout.${this.site}.${WORD.control}.${camera}.${command}`;
  }

  controlWildcard(): string {
    return `lookout.${this.site}.${WORD.control}.>`;
  }

  /** `{camera, command}` from a control subject, or undefined when the levels are wrong. */
  parseControl(subject: string): { camera: string; command: string } | undefined {
    const prefix = `lookout.${this.site}.${WORD.control}.`;
    if (!subject.startsWith(prefix)) return undefined;
    const tokens = subject.slice(prefix.length).split('.');
    if (tokens.length < 2 || tokens.length > 3) return undefined;
    const [camera, ...rest] = tokens as [string, ...string[]];
    const joined = rest.join('.');
    return { camera, command: COMMAND_ALIASES[joined] ?? joined };
  }
}
