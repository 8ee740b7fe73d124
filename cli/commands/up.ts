import { parseArgs } from 'node:util';
import { ConfigError } from '../../common/config/load.ts';
import { createLogger } from '../../common/log.ts';
import { runUp, UpConfigError, type ShutdownTrigger } from '../../appliance/up.ts';
import { handleShutdownSignals } from '../../common/process/signals.ts';

export const summary = 'run everything from lookout.yml (mediamtx, gateway, supervised detector); the demo when there is no config';

const USAGE = `usage: lookout up [--config lookout.yml] [--demo] [--http-port N]

Runs the mediamtx sidecar (when the binary exists) and the gateway in this process, and the
detector as a supervised child process restarted with backoff. Without lookout.yml, or with
--demo, runs a demo: a generated test-pattern camera, the bundled model, events printed here.
SIGTERM/SIGINT stop within shutdown_timeout; a second signal stops at once.
--http-port sets the demo's HTTP port (default 8080; 0 picks free ports for the gateway and detector).
`;

/**
 * The one signal handler (common/process/signals.ts) driving runUp's trigger: the first signal asks
 * for the bounded shutdown, the second for the immediate one (runUp SIGKILLs the detector group and
 * the pipelines), and the process leaves 200 ms later.
 */
function processSignals(): ShutdownTrigger & { dispose(): void; finished(code: number): void } {
  let requested!: () => void;
  let immediate!: () => void;
  let finished!: (code: number) => void;
  const trigger = {
    requested: new Promise<void>((resolve) => {
      requested = resolve;
    }),
    immediate: new Promise<void>((resolve) => {
      immediate = resolve;
    }),
  };
  const done = new Promise<number>((resolve) => {
    finished = resolve;
  });
  const signals = handleShutdownSignals({
    stop: () => {
      requested();
      return done;
    },
    kill: () => immediate(),
    exitDelayMs: 200,
  });
  return { ...trigger, dispose: () => signals.dispose(), finished };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, demo: { type: 'boolean' }, 'http-port': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const httpPort = values['http-port'] === undefined ? undefined : Number(values['http-port']);
  if (httpPort !== undefined && !(Number.isInteger(httpPort) && httpPort >= 0 && httpPort <= 65535)) {
    process.stderr.write(`lookout up: --http-port must be a port number 0..65535 (got "${String(values['http-port']).slice(0, 20)}")\n`);
    return 2;
  }
  const signals = processSignals();
  try {
    const code = await runUp({
      configPath: values.config ?? 'lookout.yml',
      configExplicit: values.config !== undefined,
      demo: values.demo ?? false,
      logger: createLogger({ name: 'lookout-up' }),
      out: (line) => process.stdout.write(`${line}\n`),
      shutdown: signals,
      ...(httpPort !== undefined ? { demoHttpPort: httpPort } : {}),
    });
    signals.finished(code);
    // Everything was stopped; a stray handle must not keep a stopped appliance alive.
    setTimeout(() => process.exit(code), 2000).unref();
    return code;
  } catch (error) {
    // Only a failed run drops the handlers; after a finished run they stay until the process
    // ends, so a late signal exits with the run's code instead of killing it.
    signals.dispose();
    if (error instanceof ConfigError || error instanceof UpConfigError) {
      process.stderr.write(`lookout up: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
