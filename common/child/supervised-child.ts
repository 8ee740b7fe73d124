import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { settledWithin } from '../lifecycle/deadline.ts';
import { secrets } from '../redact.ts';
import { LineTail } from './line-tail.ts';
import { signalGroup, waitGroupGone } from './process-group.ts';

/**
 * The one module that owns long-running child processes (ffmpeg, mediamtx, workers' helpers).
 *
 * - Each child leads its own process group (`detached: true`), so signals reach its descendants.
 * - stdout, stderr and any extra pipes are always drained; stderr keeps a redacted rolling tail.
 * - Exit is observed on 'exit' (not 'close': a grandchild holding a pipe would delay 'close'); the
 *   group is then SIGKILLed and `exited` resolves once no live process is left in it.
 * - `stop()` is idempotent and bounded: optional quit input (ffmpeg's `q`) → SIGTERM to the group →
 *   SIGKILL to the group; it resolves only when the exit was observed, or with `lost: true` if even
 *   SIGKILL was not observed within `killWaitMs` (a process stuck in the kernel).
 *
 * execa 9 cannot signal a whole process group (that arrived in execa 10, Node ≥ 22), so this is
 * written on node:child_process; one-shot commands elsewhere use execa.
 */

export interface ChildSpec {
  /** Short label for logs and errors (never contains a secret). */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin to ask for a graceful stop (ffmpeg: "q"); stdin is a pipe only when set. */
  quitInput?: string;
  /** How long to wait after quitInput before SIGTERM. Default 1000 ms. */
  quitGraceMs?: number;
  /** Signal for the graceful stage. Default SIGTERM (mediamtx: SIGINT). */
  termSignal?: NodeJS.Signals;
  /** How long to wait after the term signal before SIGKILL. Default 3000 ms. */
  termGraceMs?: number;
  /** How long to wait for exit after SIGKILL before giving up. Default 2000 ms. */
  killWaitMs?: number;
  /** Lines of stderr kept for error reports. Default 100. */
  stderrTailLines?: number;
  /** Extra pipes beyond stdio, as fd numbers (e.g. [3] for `-progress pipe:3`). */
  extraPipes?: readonly number[];
  onStdout?: (chunk: Buffer) => void;
  onStderrLine?: (line: string) => void;
  onPipeData?: (fd: number, chunk: Buffer) => void;
  /** Extra redaction on top of the global secret registry. */
  redact?: (text: string) => string;
}

export interface StopOptions {
  /** Default true: write quitInput first. False goes straight to the term signal. */
  graceful?: boolean;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned (ENOENT, EACCES...). */
  spawnError?: Error;
  /** True when stop() asked for the exit. */
  stopRequested: boolean;
  /** True when not even SIGKILL was observed to end it within killWaitMs. */
  lost: boolean;
  startedAt: number;
  endedAt: number;
}

/** How long output may keep draining after the exit before the pipes are cut. */
const OUTPUT_DRAIN_MS = 2000;

export class SupervisedChild {
  readonly spec: ChildSpec;
  readonly startedAt = Date.now();
  readonly exited: Promise<ChildExit>;
  #child: ChildProcess | undefined;
  #exit: ChildExit | undefined;
  #stopping: Promise<ChildExit> | undefined;
  #stopRequested = false;
  #finishing = false;
  #resolveExit!: (exit: ChildExit) => void;
  #resolveOutputEnded!: () => void;
  /** Resolves when stdout, stderr and extra pipes have been read to their end (or cut after a bound). */
  readonly outputEnded: Promise<void>;
  readonly #stderr: LineTail;

  private constructor(spec: ChildSpec) {
    this.spec = spec;
    this.exited = new Promise<ChildExit>((resolve) => {
      this.#resolveExit = resolve;
    });
    this.outputEnded = new Promise<void>((resolve) => {
      this.#resolveOutputEnded = resolve;
    });
    const redact = (line: string) => (spec.redact ? spec.redact(secrets.redact(line)) : secrets.redact(line));
    this.#stderr = new LineTail(spec.stderrTailLines ?? 100, redact, spec.onStderrLine);
  }

  /** Spawns the child. Never throws: a spawn failure resolves `exited` with `spawnError`. */
  static spawn(spec: ChildSpec): SupervisedChild {
    const supervised = new SupervisedChild(spec);
    supervised.#start();
    return supervised;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** True until the exit has been observed. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  get exitInfo(): ChildExit | undefined {
    return this.#exit;
  }

  stderrTail(): string[] {
    return this.#stderr.lines();
  }

  #start(): void {
    const extra = this.spec.extraPipes ?? [];
    const maxFd = Math.max(2, ...extra);
    const stdio: StdioOptions = [this.spec.quitInput !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'];
    for (let fd = 3; fd <= maxFd; fd++) stdio.push(extra.includes(fd) ? 'pipe' : 'ignore');
    let child: ChildProcess;
    try {
      child = spawn(this.spec.command, [...this.spec.args], {
        cwd: this.spec.cwd,
        env: this.spec.env ?? process.env,
        stdio,
        detached: true,
        windowsHide: true,
      });
    } catch (error) {
      this.#finish({ code: null, signal: null, spawnError: error as Error });
      return;
    }
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.spec.onStdout?.(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
    child.stderr?.on('end', () => this.#stderr.flush());
    for (const fd of extra) {
      const stream = child.stdio[fd] as Readable | null | undefined;
      stream?.on('data', (chunk: Buffer) => this.spec.onPipeData?.(fd, chunk));
      stream?.on('error', () => undefined);
    }
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.on('error', () => undefined);
    child.once('error', (error) => {
      // 'error' without a pid means the spawn failed; 'exit' will not follow.
      if (child.pid === undefined) this.#finish({ code: null, signal: null, spawnError: error });
    });
    child.once('exit', (code, signal) => {
      this.#finish({ code, signal });
    });
  }

  #finish(partial: Pick<ChildExit, 'code' | 'signal' | 'spawnError'> & { lost?: boolean }): void {
    if (this.#exit || this.#finishing) return;
    this.#finishing = true;
    const endedAt = Date.now();
    const record = () => {
      this.#exit = {
        code: partial.code,
        signal: partial.signal,
        ...(partial.spawnError ? { spawnError: partial.spawnError } : {}),
        stopRequested: this.#stopRequested,
        lost: partial.lost ?? false,
        startedAt: this.startedAt,
        endedAt,
      };
      this.#resolveExit(this.#exit);
    };
    const child = this.#child;
    if (!child || partial.lost) {
      this.#resolveOutputEnded();
      record();
      return;
    }
    // The leader is gone; end anything it left in its group (grandchildren), then drop pipes.
    signalGroup(this.#child, 'SIGKILL');
    child.stdin?.destroy();
    // Output still in the pipes is read to its end (the group is being killed, so every write end
    // closes); a pipe held open by something outside the group is destroyed after a bound.
    const streams = [child.stdout, child.stderr, ...(this.spec.extraPipes ?? []).map((fd) => child.stdio[fd] as Readable | null | undefined)];
    const destroyAll = () => {
      for (const stream of streams) stream?.destroy();
    };
    const ended = streams.map((stream) =>
      stream && !stream.readableEnded && !stream.destroyed
        ? new Promise<void>((resolve) => {
            stream.once('end', resolve);
            stream.once('close', resolve);
          })
        : Promise.resolve(),
    );
    const drainBound = setTimeout(destroyAll, OUTPUT_DRAIN_MS);
    drainBound.unref();
    void Promise.all(ended).then(() => {
      clearTimeout(drainBound);
      destroyAll();
      this.#resolveOutputEnded();
    });
    // SIGKILL is delivered asynchronously: the exit counts as observed only once the group is
    // empty too, so "stop resolved" really means "nothing of it is left" (bounded by killWaitMs).
    void waitGroupGone(child.pid, this.spec.killWaitMs ?? 2000).then(record);
  }

  /** Signals the group without waiting (used for crash injection and second-signal shutdown). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) signalGroup(this.#child, signal);
  }

  /**
   * Bounded, idempotent stop; resolves when the exit is observed (or `lost` after SIGKILL + killWaitMs).
   * `graceful: false` skips the quit-input stage (a stalled child will not read its stdin); options
   * only count on the first call, later calls join the stop already under way.
   */
  stop(options: StopOptions = {}): Promise<ChildExit> {
    if (this.#exit) return Promise.resolve(this.#exit);
    this.#stopRequested = true;
    this.#stopping ??= this.#stopSequence(options.graceful ?? true);
    return this.#stopping;
  }

  async #stopSequence(graceful: boolean): Promise<ChildExit> {
    const { quitInput, quitGraceMs = 1000, termSignal = 'SIGTERM', termGraceMs = 3000, killWaitMs = 2000 } = this.spec;
    const exitedWithin = (ms: number) => settledWithin(this.exited, ms);
    const stdin = this.#child?.stdin as Writable | null | undefined;
    if (graceful && quitInput !== undefined && stdin && stdin.writable) {
      stdin.write(quitInput, () => undefined);
      if (await exitedWithin(quitGraceMs)) return this.exited;
    }
    signalGroup(this.#child, termSignal);
    // A stopped (SIGSTOP/SIGTSTP) child would hold the term signal pending forever: continue it,
    // as systemd does after its kill signal.
    signalGroup(this.#child, 'SIGCONT');
    if (await exitedWithin(termGraceMs)) return this.exited;
    signalGroup(this.#child, 'SIGKILL');
    if (await exitedWithin(killWaitMs)) return this.exited;
    this.#finish({ code: null, signal: null, lost: true });
    return this.exited;
  }
}
