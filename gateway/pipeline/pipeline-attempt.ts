import { SupervisedChild, type ChildExit } from '../../common/child/supervised-child.ts';
import type { Logger } from '../../common/log.ts';
import { FfmpegProgressParser } from '../ffmpeg/ffmpeg-progress.ts';
import type { ChildRegistry } from '../../common/child/orphan-registry.ts';
import type { Lease } from './slot-pool.ts';

/**
 * One child's lifetime for one camera: spawn with a lease already held, watch its progress pipe
 * (start timeout until the first progress, then the stall watchdog), stop it on request, and
 * release the lease exactly when its exit is observed. The restart policy lives in the pipeline.
 */

/** What to run for a camera. Built by the gateway's launcher (ffmpeg args), or a test fixture. */
export interface LaunchSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Pipe the child writes `-progress` blocks to. Default 3 (`-progress pipe:3`). */
  progressFd?: number;
  /** Graceful quit written to stdin before SIGTERM ('q' for ffmpeg). */
  quitInput?: string;
  /** A literal secret (e.g. publish password) to redact from the stderr tail and logs. */
  secret?: string;
}

/** Builds the launch spec of a camera; called before every spawn (so config or versions may change). */
export type Launcher = (cameraId: string) => LaunchSpec | Promise<LaunchSpec>;

export type AttemptEnd = 'stopped' | 'exit' | 'spawn-error' | 'start-timeout' | 'stall';

export interface AttemptOutcome {
  kind: AttemptEnd;
  exit: ChildExit;
  /** How long publishing was confirmed before the end (0 if never). */
  ranMs: number;
}

export interface AttemptOptions {
  cameraId: string;
  lease: Lease;
  spec: LaunchSpec;
  startTimeoutMs: number;
  stallTimeoutMs: number;
  stopGraceMs: number;
  registry: ChildRegistry;
  logger: Logger;
  /** First progress: publishing confirmed. */
  onConfirmed(pid: number | undefined): void;
  /** The attempt decided to end itself (stall or start timeout) and is stopping the child. */
  onEnding(reason: 'stall' | 'start-timeout'): void;
}

export class PipelineAttempt {
  readonly child: SupervisedChild;
  readonly done: Promise<AttemptOutcome>;
  #ending: AttemptEnd | undefined;
  #confirmedAt: number | undefined;
  #startTimer: NodeJS.Timeout | undefined;
  #stallTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AttemptOptions) {
    const { spec, cameraId, registry } = options;
    const secret = spec.secret && spec.secret.length > 0 ? spec.secret : undefined;
    const progressFd = spec.progressFd ?? 3;
    const parser = new FfmpegProgressParser({ onProgress: () => this.#onProgress() });
    const quitGraceMs = Math.min(1000, Math.max(50, Math.round(options.stopGraceMs / 2)));
    this.child = SupervisedChild.spawn({
      name: `pipeline:${cameraId}`,
      command: spec.command,
      args: spec.args,
      ...(spec.env ? { env: spec.env } : {}),
      ...(spec.quitInput !== undefined ? { quitInput: spec.quitInput, quitGraceMs } : {}),
      termGraceMs: options.stopGraceMs,
      extraPipes: [progressFd],
      onPipeData: (_fd, chunk) => parser.push(chunk),
      ...(secret ? { redact: (text: string) => text.split(secret).join('***') } : {}),
    });
    const pid = this.child.pid;
    if (pid !== undefined) registry.add(pid, cameraId);
    this.#startTimer = setTimeout(() => this.#end('start-timeout'), options.startTimeoutMs);
    this.done = this.child.exited.then((exit) => this.#finish(exit, pid));
  }

  get pid(): number | undefined {
    return this.child.running ? this.child.pid : undefined;
  }

  get confirmed(): boolean {
    return this.#confirmedAt !== undefined;
  }

  /** Stops the child (quit input → SIGTERM → SIGKILL); resolves when its exit was observed. */
  stop(): Promise<AttemptOutcome> {
    this.#ending ??= 'stopped';
    void this.child.stop();
    return this.done;
  }

  /** SIGKILL to the child's group now (second-signal shutdown); the exit is still observed normally. */
  kill(): void {
    this.#ending ??= 'stopped';
    this.child.kill('SIGKILL');
  }

  #onProgress(): void {
    if (this.#ending !== undefined) return;
    if (this.#confirmedAt === undefined) {
      this.#confirmedAt = Date.now();
      clearTimeout(this.#startTimer);
      this.#stallTimer = setTimeout(() => this.#end('stall'), this.options.stallTimeoutMs);
      this.options.onConfirmed(this.child.pid);
      return;
    }
    this.#stallTimer?.refresh();
  }

  #end(reason: 'stall' | 'start-timeout'): void {
    if (this.#ending !== undefined || !this.child.running) return;
    this.#ending = reason;
    this.options.onEnding(reason);
    // A stalled child will not read "q": go straight to SIGTERM → SIGKILL.
    void this.child.stop({ graceful: false });
  }

  #finish(exit: ChildExit, pid: number | undefined): AttemptOutcome {
    clearTimeout(this.#startTimer);
    clearTimeout(this.#stallTimer);
    // A child lost even to SIGKILL stays recorded, so the next start can still end it.
    if (pid !== undefined && !exit.lost) this.options.registry.remove(pid);
    this.options.lease.release();
    const kind: AttemptEnd = exit.spawnError ? 'spawn-error' : (this.#ending ?? 'exit');
    const ranMs = this.#confirmedAt === undefined ? 0 : exit.endedAt - this.#confirmedAt;
    if (kind !== 'stopped' || exit.lost) {
      this.options.logger.warn(
        {
          reason: kind,
          code: exit.code,
          signal: exit.signal,
          lost: exit.lost,
          ...(exit.spawnError ? { spawnError: this.#redact(exit.spawnError.message) } : {}),
          stderr: this.child.stderrTail().slice(-20),
        },
        'pipeline child ended',
      );
    }
    return { kind, exit, ranMs };
  }

  #redact(text: string): string {
    const secret = this.options.spec.secret;
    return secret ? text.split(secret).join('***') : text;
  }
}
