import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '../../common/config/load.ts';
import { createLogger } from '../../common/log.ts';
import { createGatewayService } from '../../gateway/create-service.ts';
import { handleShutdownSignals } from '../../gateway/shutdown-signals.ts';

export const summary = 'run the gateway: ffmpeg publish pipelines, HTTP API and /metrics';

const USAGE = `usage: lookout gateway [--config lookout.yml]

Runs the gateway service until SIGTERM/SIGINT. A second signal kills every pipeline at once.
`;

/** `lookout gateway --config lookout.yml`: exit 0 after a clean stop, 1 on config or start errors. */
export async function run(argv: string[]): Promise<number> {
  let values: { config: string; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c', default: 'lookout.yml' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    process.stderr.write(`lookout gateway: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let config;
  try {
    config = loadConfigFile(values.config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const logger = createLogger({ level: config.log_level, name: 'gateway' });
  const service = createGatewayService(config, { logger });
  const signals = handleShutdownSignals({
    stop: () => service.stop(),
    kill: () => service.kill(),
    timeoutMs: config.shutdown_timeout,
    onSignal: (signal, count) => logger.info({ signal, count }, count > 1 ? 'second signal: killing pipelines now' : 'stopping'),
  });
  try {
    await service.start();
  } catch (error) {
    logger.error({ err: error }, 'gateway failed to start');
    process.stderr.write(`lookout gateway: ${error instanceof Error ? error.message : String(error)}\n`);
    await service.stop().catch(() => undefined);
    signals.dispose();
    return 1;
  }
  const code = await signals.done;
  signals.dispose();
  // Everything is stopped; should a stray handle keep the event loop alive, exit anyway.
  setTimeout(() => process.exit(code), 1_000).unref();
  return code;
}
