/**
 * NATS subjects: `lookout.<site>.<camera>.detections`, `lookout.<site>.events`, and request/reply
 * control on `lookout.<site>.control.<camera>.<command>` where the command is `stream.pause`,
 * `detect.on`, ... (two tokens) or a one-token alias (`pause`, `resume`, `restart`, `status`).
 * The camera token `ALL` addresses every camera (`*` is a wildcard in NATS and cannot be published).
 */
export const COMMAND_ALIASES: Record<string, string> = {
  pause: 'stream.pause',
  resume: 'stream.resume',
  restart: 'stream.restart',
};

export class NatsSubjects {
  constructor(readonly site: string) {}

  events(): string {
    return `lookout.${this.site}.events`;
  }

  detections(camera: string): string {
    return `lookout.${this.site}.${camera}.detections`;
  }

  state(camera: string, kind: 'stream' | 'detect'): string {
    return `lookout.${this.site}.${camera}.${kind}.state`;
  }

  control(camera: string, command: string): string {
    return `lookout.${this.site}.control.${camera}.${command}`;
  }

  controlWildcard(): string {
    return `lookout.${this.site}.control.>`;
  }

  /** `{camera, command}` from a control subject, or undefined when the levels are wrong. */
  parseControl(subject: string): { camera: string; command: string } | undefined {
    const prefix = `lookout.${this.site}.control.`;
    if (!subject.startsWith(prefix)) return undefined;
    const tokens = subject.slice(prefix.length).split('.');
    if (tokens.length < 2 || tokens.length > 3) return undefined;
    const [camera, ...rest] = tokens as [string, ...string[]];
    const joined = rest.join('.');
    return { camera, command: COMMAND_ALIASES[joined] ?? joined };
  }
}
