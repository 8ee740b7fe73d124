import { SupervisedChild, type ChildExit, type ChildSpec } from '../common/child/supervised-child.ts';
import { Backoff } from '../gateway/backoff.ts';

/**
 * Keeps one child process running (in `lookout up`: the detector), restarting it with exponential
 * backoff and jitter on ANY exit, until `stop()`. The child lives in its own process group
 * (SupervisedChild), so a detector crash, hang or OOM never touches the gateway's streams, and
 * stopping it is bounded (SIGTERM → grace → SIGKILL, exit observed).
 */
export interface ChildRestarterOptions {
  spec: ChildSpec;
  backoff: { initialMs: number; maxMs: number; resetAfterMs: number };
  /** Every start and every observed exit (for logs and the demo's status line). */
  onStart?: (child: SupervisedChild, run: number) => void;
  onExit?: (exit: ChildExit, nextDelayMs: number | undefined) => void;
}

export class ChildRestarter {
  readonly #options: ChildRestarterOptions;
  readonly #backoff: Backoff;
  #child: SupervisedChild | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #starts = 0;

  constructor(options: ChildRestarterOptions) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
  }

  /** Number of times the child was started (1 + restarts). */
  get starts(): number {
    return this.#starts;
  }

  /** The current child while one is running. */
  get child(): SupervisedChild | undefined {
    return this.#child?.running ? this.#child : undefined;
  }

  start(): void {
    if (this.#loop || this.#stopping) return;
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#starts++;
      const child = SupervisedChild.spawn(this.#options.spec);
      this.#child = child;
      this.#options.onStart?.(child, this.#starts);
      const exit = await child.exited;
      if (this.#stopping) {
        this.#options.onExit?.(exit, undefined);
        return;
      }
      const delay = this.#backoff.next(exit.endedAt - exit.startedAt);
      this.#options.onExit?.(exit, delay);
      await this.#sleep(delay);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Idempotent and bounded by the child's stop sequence; resolves when no child is left. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#child?.stop();
    await this.#loop;
  }

  /** Second-signal path: SIGKILL the child's group now, without waiting. */
  killNow(): void {
    this.#stopping = true;
    this.#wake?.();
    this.#child?.kill('SIGKILL');
  }
}
