import { loadCommandConfig } from '../config-command.ts';
import { createLogger } from '../../common/log.ts';
import { createGatewayService } from '../../gateway/create-service.ts';
import { handleShutdownSignals } from '../../gateway/shutdown-signals.ts';
import { SdNotify } from '../../common/sd-notify.ts';
import { createGatewayOutputs } from '../../control/gateway-outputs.ts';
import { webRoutes } from '../../gateway/web/web-routes.ts';

export const summary = 'run the gateway: ffmpeg publish pipelines, HTTP API, web page and /metrics';

const USAGE = `usage: lookout gateway [--config lookout.yml]

Runs the gateway service until SIGTERM/SIGINT. A second signal kills every pipeline at once.
`;

/** `lookout gateway --config lookout.yml`: exit 0 after a clean stop, 1 on config or start errors. */
export async function run(argv: string[]): Promise<number> {
  const config = loadCommandConfig('gateway', argv, USAGE);
  if (typeof config === 'number') return config;
  const logger = createLogger({ level: config.log_level, name: 'gateway' });
  // MQTT/NATS/HTTP commands and stream states (or the JSONL default when no broker is configured).
  const outputs = await createGatewayOutputs(config, logger);
  // The command table, the detector proxy, the overview and the web page at `/`.
  const holder: { service?: ReturnType<typeof createGatewayService> } = {};
  const manager = () => {
    if (!holder.service) throw new Error('gateway service is not created yet');
    return holder.service.manager;
  };
  const routes = webRoutes({
    config,
    table: outputs.plane.table,
    ring: outputs.plane.recent,
    streamStatus: () => manager().status(),
    slots: () => manager().slots(),
    startedAt: Date.now(),
  });
  const service = createGatewayService(config, { logger, routes });
  holder.service = service;
  // systemd (Type=notify): READY once serving, WATCHDOG only while the loop and the service are healthy.
  const notify = new SdNotify({ healthCheck: () => service.ready, onProblem: (message) => logger.warn({ component: 'sd-notify' }, message) });
  const signals = handleShutdownSignals({
    stop: async () => {
      await service.stop();
      await outputs.close();
    },
    kill: () => service.kill(),
    timeoutMs: config.shutdown_timeout,
    onSignal: (signal, count) => {
      if (count === 1) void notify.stopping();
      logger.info({ signal, count }, count > 1 ? 'second signal: killing pipelines now' : 'stopping');
    },
  });
  try {
    await service.start();
  } catch (error) {
    logger.error({ err: error }, 'gateway failed to start');
    process.stderr.write(`lookout gateway: ${error instanceof Error ? error.message : String(error)}\n`);
    await service.stop().catch(() => undefined);
    await outputs.close().catch(() => undefined);
    signals.dispose();
    await notify.close();
    return 1;
  }
  outputs.attach(service.manager);
  await notify.ready(`${config.cameras.filter((camera) => camera.enabled).length} camera(s)`);
  notify.startWatchdog();
  const code = await signals.done;
  signals.dispose();
  await notify.close();
  // Everything is stopped; should a stray handle keep the event loop alive, exit anyway.
  setTimeout(() => process.exit(code), 1_000).unref();
  return code;
}
