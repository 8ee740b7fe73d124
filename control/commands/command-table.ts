/**
 * One table from command name to handler, shared by HTTP, MQTT and NATS. Transports decode their
 * input into `{command, camera, id?}`, call `execute()`, and encode the envelope it returns; they
 * never call the services themselves. Every failure becomes an error reply, never a throw: unknown
 * camera, unknown command, bad payload, a service error or a command that overran its deadline.
 * A service error's reply code is the one it says itself (`error.code`, mapped by the one table in
 * common/http/error-envelope.ts), never its class name.
 *
 * The table does not queue: the service behind it owns the one per-camera queue (the gateway's
 * `CommandQueue`, where a newer command supersedes the wait of a running one), so a pause never
 * waits behind a slow resume here. The table only counts what is in flight (`busyCameras`, `idle`).
 */
import { z } from 'zod';
import type { DetectControl, StreamControl } from './controls.ts';
import { errorCodeOf, errorReply, okReply, requestIdOf, type ReplyEnvelope } from './envelope.ts';
import type { CommandMetrics, CommandTransport } from './metrics.ts';
import { deadline } from '../../common/lifecycle/deadline.ts';

/** Every command name; `stream.*` need a StreamControl, `detect.*` a DetectControl. */
export const COMMANDS = [
  'stream.pause',
  'stream.resume',
  'stream.restart',
  'stream.status',
  'detect.on',
  'detect.off',
  'detect.status',
  'status',
] as const;
export type CommandName = (typeof COMMANDS)[number];

/** Camera value meaning "every configured camera" (`ALL` is the form used in topics and subjects). */
export const ALL_CAMERAS = '*';
export const ALL_CAMERAS_TOKEN = 'ALL';

export const commandRequestSchema = z.strictObject({
  command: z.string().min(1).max(64),
  camera: z.string().min(1).max(64),
  id: z.union([z.string().max(128), z.number().finite()]).optional(),
});
export type CommandRequest = z.output<typeof commandRequestSchema>;

/** The state a command leaves behind, for transports that publish it (retained MQTT state topics). */
export interface StateChange {
  camera: string;
  kind: 'stream' | 'detect';
  on: boolean;
}

export interface CommandTableOptions {
  cameras: readonly string[];
  stream?: StreamControl;
  detect?: DetectControl;
  /** Deadline for one service call; the reply is a `timeout` error after it. */
  commandTimeoutMs?: number;
  /** Called after a command changed (or re-asserted) a camera's state. */
  onState?: (change: StateChange) => void;
  /** Counts every execution (and the transports' dropped duplicates). */
  metrics?: CommandMetrics;
}

type Handler = (camera: string) => Promise<unknown>;

export class CommandTable {
  readonly #cameras: Set<string>;
  readonly #handlers = new Map<CommandName, Handler>();
  /** Executions in flight per camera (counted, not queued). */
  readonly #inFlight = new Map<string, Set<Promise<unknown>>>();
  readonly #timeoutMs: number;
  readonly #onState: ((change: StateChange) => void) | undefined;
  readonly metrics: CommandMetrics | undefined;

  constructor(readonly options: CommandTableOptions) {
    this.#cameras = new Set(options.cameras);
    this.#timeoutMs = options.commandTimeoutMs ?? 30_000;
    this.#onState = options.onState;
    this.metrics = options.metrics;
    const { stream, detect } = options;
    if (stream) {
      this.#handlers.set('stream.pause', (id) => this.#change(id, 'stream', false, () => stream.pause(id)));
      this.#handlers.set('stream.resume', (id) => this.#change(id, 'stream', true, () => stream.resume(id)));
      this.#handlers.set('stream.restart', async (id) => ({ camera: id, result: await stream.restart(id) }));
      this.#handlers.set('stream.status', async (id) => stream.status(id));
    }
    if (detect) {
      this.#handlers.set('detect.on', (id) => this.#change(id, 'detect', true, () => detect.set(id, true)));
      this.#handlers.set('detect.off', (id) => this.#change(id, 'detect', false, () => detect.set(id, false)));
      this.#handlers.set('detect.status', async (id) => detect.status(id));
    }
    if (stream || detect) {
      this.#handlers.set('status', async (id) => ({
        ...(stream ? { stream: stream.status(id) } : {}),
        ...(detect ? { detect: detect.status(id) } : {}),
      }));
    }
  }

  /** Commands this instance answers; a transport ignores known commands it does not handle. */
  get commands(): CommandName[] {
    return [...this.#handlers.keys()];
  }

  get cameras(): string[] {
    return [...this.#cameras];
  }

  handles(command: string): boolean {
    return this.#handlers.has(command as CommandName);
  }

  /** Cameras with commands queued or running (0 when idle: no leaked chains). */
  get busyCameras(): number {
    return this.#inFlight.size;
  }

  /** Resolves once no command is in flight (the control plane's stop waits for it). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) {
      await Promise.allSettled([...this.#inFlight.values()].flatMap((calls) => [...calls]));
    }
  }

  /**
   * Validates an untrusted payload and runs it; always resolves to an envelope. Every call counts
   * once in `lookout_commands_executed_total` under `transport` (the HTTP adapter passes nothing).
   */
  async execute(payload: unknown, transport: CommandTransport = 'http'): Promise<ReplyEnvelope> {
    const envelope = await this.#execute(payload);
    this.metrics?.executed((payload as { command?: unknown } | null)?.command, transport, envelope.status === 'ok' ? 'ok' : (envelope.error?.code ?? 'internal'));
    return envelope;
  }

  async #execute(payload: unknown): Promise<ReplyEnvelope> {
    const id = requestIdOf(payload);
    const parsed = commandRequestSchema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'request';
      const what = issue?.code === 'unrecognized_keys' ? `unknown key ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid');
      return errorReply('bad_request', `${where}: ${what}`, id);
    }
    const request = parsed.data;
    const handler = this.#handlers.get(request.command as CommandName);
    if (!handler) {
      const known = (COMMANDS as readonly string[]).includes(request.command);
      return errorReply(
        known ? 'unsupported' : 'unknown_command',
        known ? `command ${request.command} is not handled by this process` : `unknown command "${request.command}" (known: ${COMMANDS.join(', ')})`,
        request.id,
      );
    }
    const camera = request.camera === ALL_CAMERAS_TOKEN ? ALL_CAMERAS : request.camera;
    if (camera === ALL_CAMERAS) return this.#executeAll(request, handler);
    if (!this.#cameras.has(camera)) return errorReply('unknown_camera', `unknown camera "${camera}"`, request.id);
    try {
      return okReply(await this.#runOne(camera, handler), request.id);
    } catch (error) {
      return this.#errorEnvelope(error, request.id);
    }
  }

  async #executeAll(request: CommandRequest, handler: Handler): Promise<ReplyEnvelope> {
    const cameras = [...this.#cameras];
    const settled = await Promise.allSettled(cameras.map((camera) => this.#runOne(camera, handler)));
    const results: Record<string, ReplyEnvelope> = {};
    const failed: string[] = [];
    settled.forEach((outcome, index) => {
      const camera = cameras[index] as string;
      if (outcome.status === 'fulfilled') results[camera] = okReply(outcome.value);
      else {
        failed.push(camera);
        results[camera] = this.#errorEnvelope(outcome.reason);
      }
    });
    if (failed.length === 0) return okReply(results, request.id);
    const reply = errorReply('internal', `command ${request.command} failed for ${failed.join(', ')}`, request.id);
    reply.data = results;
    const codes = new Set(failed.map((camera) => results[camera]?.error?.code));
    if (codes.size === 1 && reply.error) reply.error.code = [...codes][0] ?? 'internal';
    return reply;
  }

  #runOne(camera: string, handler: Handler): Promise<unknown> {
    const call = deadline(Promise.resolve().then(() => handler(camera)), this.#timeoutMs, `command for ${camera}`);
    const calls = this.#inFlight.get(camera) ?? new Set<Promise<unknown>>();
    this.#inFlight.set(camera, calls);
    calls.add(call);
    const done = () => {
      calls.delete(call);
      if (calls.size === 0 && this.#inFlight.get(camera) === calls) this.#inFlight.delete(camera);
    };
    call.then(done, done);
    return call;
  }

  async #change(camera: string, kind: 'stream' | 'detect', on: boolean, call: () => Promise<unknown>): Promise<unknown> {
    const result = await call();
    this.#onState?.({ camera, kind, on });
    return { camera, [kind]: on ? 'ON' : 'OFF', ...(result !== undefined ? { result } : {}) };
  }

  #errorEnvelope(error: unknown, id?: string | number): ReplyEnvelope {
    const message = error instanceof Error ? error.message : String(error);
    return errorReply(errorCodeOf(error) ?? 'internal', message, id);
  }
}
