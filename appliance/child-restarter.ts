import { SupervisedChild, type ChildExit, type ChildSpec } from '../common/child/supervised-child.ts';
import type { BackoffOptions } from '../common/lifecycle/backoff.ts';
import { RestartLoop } from '../common/lifecycle/restart-loop.ts';
import { ServiceState } from '../common/lifecycle/service-state.ts';

/**
 * Keeps one child process running (in `lookout up`: the detector), restarting it through the
 * shared restart loop (common/lifecycle: backoff with jitter, cap, reset after a stable run) on ANY
 * exit, until `stop()`. The child lives in its own process group (SupervisedChild), so a detector
 * crash, hang or OOM never touches the gateway's streams, and stopping it is bounded
 * (SIGTERM → grace → SIGKILL, exit observed). Lifecycle: common/lifecycle/service-state.ts.
 */
export interface ChildRestarterOptions {
  spec: ChildSpec;
  backoff: BackoffOptions;
  /** Every start and every observed exit (for logs and the demo's status line). */
  onStart?: (child: SupervisedChild, run: number) => void;
  onExit?: (exit: ChildExit, nextDelayMs: number | undefined) => void;
  /**
   * Clean-up after every exit, awaited before the next start (e.g. ending what the dead child left
   * behind), so the next child never races it. It must be bounded; a rejection is not a failure of
   * the loop (the caller logs its own).
   */
  afterExit?: (exit: ChildExit) => Promise<void>;
}

export class ChildRestarter {
  readonly #options: ChildRestarterOptions;
  readonly #state = new ServiceState('child restarter');
  /** Ends the loop: aborted by stop() and by killNow(). */
  readonly #halt = new AbortController();
  readonly #loop: RestartLoop<'exit'>;
  #child: SupervisedChild | undefined;
  /** The exit the next backoff follows (reported through onExit with its delay). */
  #lastExit: ChildExit | undefined;
  #running: Promise<void> = Promise.resolve();

  constructor(options: ChildRestarterOptions) {
    this.#options = options;
    this.#loop = new RestartLoop({
      backoff: options.backoff,
      signal: this.#halt.signal,
      run: (signal, start) => this.#lifetime(signal, start),
      onBackoff: ({ delayMs }) => this.#options.onExit?.(this.#lastExit!, delayMs),
    });
  }

  /** Number of times the child was started (1 + restarts). */
  get starts(): number {
    return this.#loop.starts;
  }

  /** The current child while one is running. */
  get child(): SupervisedChild | undefined {
    return this.#child?.running ? this.#child : undefined;
  }

  /** Resolves once stop() has finished (no child left). */
  get closed(): Promise<void> {
    return this.#state.closed;
  }

  /** Starts the loop (once); throws ServiceStoppedError after stop(). */
  start(): void {
    this.#state.beginStart();
    this.#running = this.#loop.run();
    this.#state.started();
  }

  async #lifetime(signal: AbortSignal, start: number): Promise<{ restart: 'exit'; ranMs: number } | { end: true }> {
    const child = SupervisedChild.spawn(this.#options.spec);
    this.#child = child;
    this.#options.onStart?.(child, start);
    const exit = await child.exited;
    this.#lastExit = exit;
    await this.#options.afterExit?.(exit).catch(() => undefined);
    if (signal.aborted) {
      this.#options.onExit?.(exit, undefined);
      return { end: true };
    }
    return { restart: 'exit', ranMs: exit.endedAt - exit.startedAt };
  }

  /** Memoized and bounded by the child's stop sequence; resolves when no child is left. */
  stop(): Promise<void> {
    return this.#state.stop(async () => {
      this.#halt.abort();
      await this.#child?.stop();
      await this.#running;
    });
  }

  /** Second-signal path: SIGKILL the child's group now, without waiting. */
  killNow(): void {
    this.#halt.abort();
    this.#child?.kill('SIGKILL');
  }
}
