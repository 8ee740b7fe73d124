import { parseArgs } from 'node:util';
import { ConfigError } from '../../common/config/load.ts';
import { createLogger } from '../../common/log.ts';
import { runUp, UpConfigError, type ShutdownTrigger } from '../../appliance/up.ts';

export const summary = 'run everything from lookout.yml (mediamtx, gateway, supervised detector); the demo when there is no config';

const USAGE = `usage: lookout up [--config lookout.yml] [--demo] [--http-port N]

Runs the mediamtx sidecar (when the binary exists) and the gateway in this process, and the
detector as a supervised child process restarted with backoff. Without lookout.yml, or with
--demo, runs a demo: a generated test-pattern camera, the bundled model, events printed here.
SIGTERM/SIGINT stop within shutdown_timeout; a second signal stops at once.
--http-port sets the demo's HTTP port (default 8080; 0 picks free ports for the gateway and detector).
`;

/** First signal: bounded shutdown. Second: immediate. */
function processSignals(): ShutdownTrigger & { dispose(): void } {
  let count = 0;
  let requested!: () => void;
  let immediate!: () => void;
  const trigger = {
    requested: new Promise<void>((resolve) => {
      requested = resolve;
    }),
    immediate: new Promise<void>((resolve) => {
      immediate = resolve;
    }),
  };
  const onSignal = () => {
    count++;
    if (count === 1) requested();
    else {
      immediate();
      // Give the immediate path a moment to SIGKILL the detector group, then leave.
      setTimeout(() => process.exit(130), 200).unref();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    ...trigger,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
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
    // Everything was stopped; a stray handle must not keep a stopped appliance alive.
    setTimeout(() => process.exit(code), 2000).unref();
    return code;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UpConfigError) {
      process.stderr.write(`lookout up: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    signals.dispose();
  }
}
