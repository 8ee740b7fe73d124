/**
 * A child process the soak itself owns (stand-in, source feeders, the appliance): own process group,
 * stdout/stderr drained into a bounded tail, exit observed, stop = SIGTERM to the group then SIGKILL
 * after a grace. Restartable, so a "vanishing" source can come back.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class OwnedChild {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #tail = '';
  starts = 0;

  constructor(
    readonly name: string,
    readonly command: string,
    readonly args: string[],
    readonly options: { env?: NodeJS.ProcessEnv; cwd?: string; graceMs?: number; onStdout?: (text: string) => void } = {},
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Last part of its output, for failure messages. */
  get tail(): string {
    return this.#tail.slice(-3000);
  }

  start(): void {
    if (this.#child) return;
    const child = spawn(this.command, this.args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: this.options.env ?? process.env, cwd: this.options.cwd });
    this.#child = child;
    this.starts++;
    child.stdin?.on('error', () => undefined);
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.#keep(text);
      this.options.onStdout?.(text);
    });
    child.stderr?.on('data', (chunk: Buffer) => this.#keep(chunk.toString()));
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => {
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
      child.once('error', (error) => {
        this.#keep(`spawn error: ${error.message}\n`);
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
    });
  }

  /** Sends `signal` to the whole group; false if not running. */
  signal(signal: NodeJS.Signals): boolean {
    const pid = this.#child?.pid;
    if (!pid) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGTERM (after SIGCONT, in case it is frozen), SIGKILL after the grace; resolves on exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return this.#exited;
    this.signal('SIGCONT');
    this.signal(signal);
    const timer = setTimeout(() => this.signal('SIGKILL'), this.options.graceMs ?? 3000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Resolves when it exits on its own. */
  get exited(): Promise<void> {
    return this.#exited;
  }

  #keep(text: string): void {
    this.#tail = (this.#tail + text).slice(-12_000);
  }
}
