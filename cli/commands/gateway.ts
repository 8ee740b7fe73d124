import { loadCommandConfig } from '../config-command.ts';
import { createLogger } from '../../common/log.ts';
import { handleShutdownSignals } from '../../common/process/signals.ts';
import { SdNotify } from '../../common/sd-notify.ts';
import { GatewayProcess } from '../../appliance/gateway-process.ts';

export const summary = 'run the gateway: ffmpeg publish pipelines, HTTP API, web page and /metrics';

const USAGE = `usage: lookout gateway [--config lookout.yml]

Runs the gateway service until SIGTERM/SIGINT. A second signal kills every pipeline at once.
`;

/** `lookout gateway --config lookout.yml`: exit 0 after a clean stop, 1 on config or start errors. */
export async function run(argv: string[]): Promise<number> {
  const config = loadCommandConfig('gateway', argv, USAGE);
  if (typeof config === 'number') return config;
  const logger = createLogger({ level: config.log_level, name: 'gateway' });
  // The same wiring as `lookout up` (appliance/gateway-process.ts).
  const gateway = new GatewayProcess(config, logger);
  // systemd (Type=notify): READY once serving, WATCHDOG only while the loop and the service are healthy.
  const notify = new SdNotify({ healthCheck: () => gateway.ready, onProblem: (message) => logger.warn({ component: 'sd-notify' }, message) });
  const signals = handleShutdownSignals({
    stop: () => gateway.stop(),
    kill: () => gateway.kill(),
    timeoutMs: config.shutdown_timeout,
    onSignal: (signal, count) => {
      if (count === 1) void notify.stopping();
      logger.info({ signal, count }, count > 1 ? 'second signal: killing pipelines now' : 'stopping');
    },
  });
  try {
    await gateway.start();
  } catch (error) {
    logger.error({ err: error }, 'gateway failed to start');
    process.stderr.write(`lookout gateway: ${error instanceof Error ? error.message : String(error)}\n`);
    signals.dispose();
    await notify.close();
    return 1;
  }
  await notify.ready(`${config.cameras.filter((camera) => camera.enabled).length} camera(s)`);
  notify.startWatchdog();
  // The handlers stay until the process ends: a late signal exits with the same code.
  const code = await signals.done;
  await notify.close();
  // Everything is stopped; should a stray handle keep the event loop alive, exit anyway.
  setTimeout(() => process.exit(code), 1_000).unref();
  return code;
}
