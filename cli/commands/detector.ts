/**
 * `lookout detector --config lookout.yml`: runs the detector process (appliance/detector-process.ts,
 * the same wiring `lookout up`'s child runs) until SIGTERM/SIGINT; a second signal exits at once.
 * Results go to the control plane's outputs (MQTT, NATS, or the JSONL default).
 */
import { loadCommandConfig } from '../config-command.ts';
import { createLogger } from '../../common/log.ts';
import { handleShutdownSignals } from '../../common/process/signals.ts';
import { SdNotify } from '../../common/sd-notify.ts';
import { DetectorProcess } from '../../appliance/detector-process.ts';

export const summary = 'run the detector: decode cameras, YOLO on onnxruntime, detections to the outputs';

const USAGE = `usage: lookout detector [--config lookout.yml]

Runs the detector service until SIGTERM/SIGINT (two-phase stop bounded by shutdown_timeout).
`;

export async function run(argv: string[]): Promise<number> {
  const config = loadCommandConfig('detector', argv, USAGE);
  if (typeof config === 'number') return config;
  const logger = createLogger({ level: config.log_level, name: 'detector' });
  const detector = new DetectorProcess(config, logger);
  const notify = new SdNotify({ onProblem: (message) => logger.warn({ component: 'sd-notify' }, message) });
  const signals = handleShutdownSignals({
    stop: async () => ((await detector.stop()).drained ? 0 : 1),
    // The service's drain and the outbox flush are each bounded by shutdown_timeout; this backs both.
    timeoutMs: 2 * config.shutdown_timeout + 1000,
    // The decoders are being stopped by the first signal's drain; give it a second before leaving.
    kill: () => undefined,
    exitDelayMs: 1000,
    onSignal: (signal, count) => {
      logger.info({ signal, count }, count > 1 ? 'second signal: exiting now' : 'stopping');
      if (count === 1) void notify.stopping();
    },
  });
  try {
    await detector.start();
  } catch (error) {
    logger.error({ err: error }, 'detector failed to start');
    process.stderr.write(`lookout detector: ${error instanceof Error ? error.message : String(error)}\n`);
    signals.dispose();
    await notify.close();
    return 1;
  }
  // systemd (Type=notify): READY once the model is loaded and decoders started; WATCHDOG while healthy.
  await notify.ready(`${config.cameras.length} camera(s), model loaded`);
  notify.startWatchdog();
  // The handlers stay until the process ends: a late signal exits with the same code.
  const code = await signals.done;
  await notify.close();
  // Everything was stopped; a stray handle must not keep a stopped detector alive.
  setTimeout(() => process.exit(code), 1000).unref();
  return code;
}
