/**
 * SIGTERM/SIGINT handling for a long-running service (the seed's container ignored SIGTERM):
 *
 * - first signal: `stop()` runs (stop intake, stop all pipelines concurrently), and a hard deadline
 *   is armed: after `timeoutMs` the process exits with code 1 whatever is still pending;
 * - a second signal: `kill()` (SIGKILL every child group at once) and exit immediately (code 130);
 * - a clean stop resolves `done` with 0; the caller returns it as the exit code.
 *
 * `exit` is injectable so tests can observe the decision without ending the test runner.
 */

export interface ShutdownSignalOptions {
  stop(): Promise<void>;
  kill(): void;
  timeoutMs: number;
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
  onSignal?: (signal: NodeJS.Signals, count: number) => void;
}

export interface ShutdownSignals {
  /** Resolves with the exit code once a signal-initiated stop finished (never if no signal came). */
  done: Promise<number>;
  /** Removes the handlers (a service stopped another way). */
  dispose(): void;
}

export function handleShutdownSignals(options: ShutdownSignalOptions): ShutdownSignals {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let count = 0;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  const handler = (signal: NodeJS.Signals) => {
    count++;
    options.onSignal?.(signal, count);
    if (count > 1) {
      options.kill();
      exit(130);
      return;
    }
    const deadline = setTimeout(() => {
      options.kill();
      exit(1);
    }, options.timeoutMs);
    deadline.unref();
    options.stop().then(
      () => {
        clearTimeout(deadline);
        resolveDone(0);
      },
      () => {
        clearTimeout(deadline);
        options.kill();
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
