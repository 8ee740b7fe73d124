/**
 * The one SIGTERM/SIGINT handler of every long-running command (`lookout gateway`, `lookout
 * detector`, `lookout up`):
 *
 * - first signal: `stop()` runs (stop intake, drain, stop children); with `timeoutMs`, a hard
 *   deadline is armed: after it the process exits with code 1 whatever is still pending;
 * - a second signal: `kill()` (SIGKILL every child group at once) and exit with 130, after
 *   `exitDelayMs` (default 0) so an asynchronous kill path can reach its children first;
 * - a finished stop resolves `done` with the code `stop()` returned (0 when it returned nothing),
 *   a failed one with 1; the caller returns it as the exit code. A signal that arrives after the
 *   stop finished (while the process is on its way out) exits with that code at once: the handlers
 *   stay installed until the process ends, so a late signal never kills it by the default action.
 *
 * `exit` is injectable so tests can observe the decision without ending the test runner.
 */

export interface ShutdownSignalOptions {
  /** The bounded stop; may return the exit code (e.g. 1 when events were left undelivered). */
  stop(): Promise<number | void>;
  kill(): void;
  /** Hard deadline for the first signal's stop (none when omitted). */
  timeoutMs?: number;
  /** Delay between the second signal's kill() and exit(130). */
  exitDelayMs?: number;
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
  onSignal?: (signal: NodeJS.Signals, count: number) => void;
}

export interface ShutdownSignals {
  /** Resolves with the exit code once a signal-initiated stop finished (never if no signal came). */
  done: Promise<number>;
  /** Removes the handlers (a service that failed to start, or stopped another way). */
  dispose(): void;
}

export function handleShutdownSignals(options: ShutdownSignalOptions): ShutdownSignals {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let count = 0;
  let finishedCode: number | undefined;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  const handler = (signal: NodeJS.Signals) => {
    count++;
    options.onSignal?.(signal, count);
    if (finishedCode !== undefined) {
      exit(finishedCode);
      return;
    }
    if (count > 1) {
      options.kill();
      if (options.exitDelayMs) setTimeout(() => exit(130), options.exitDelayMs).unref();
      else exit(130);
      return;
    }
    const deadline =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            options.kill();
            exit(1);
          }, options.timeoutMs);
    deadline?.unref();
    options.stop().then(
      (code) => {
        clearTimeout(deadline);
        finishedCode = typeof code === 'number' ? code : 0;
        resolveDone(finishedCode);
      },
      () => {
        clearTimeout(deadline);
        options.kill();
        finishedCode = 1;
        resolveDone(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, handler);
  return {
    done,
    dispose: () => {
      for (const signal of signals) process.off(signal, handler);
    },
  };
}
