/**
 * `lookout detector --config lookout.yml`: runs the detector service until SIGTERM/SIGINT (a second
 * signal exits at once). Results go to the control plane's outputs (MQTT, NATS, or the JSONL default).
 */
import { loadCommandConfig } from '../config-command.ts';
import { createLogger } from '../../common/log.ts';
import { SdNotify } from '../../common/sd-notify.ts';
import { createDetectorOutputs } from '../../control/detector-outputs.ts';
import { InferencePool } from '../../detector/inference-pool.ts';
import { DetectorService } from '../../detector/service.ts';
import { IouTracker } from '../../detector/tracker.ts';

export const summary = 'run the detector: decode cameras, YOLO on onnxruntime, detections to the outputs';

const USAGE = `usage: lookout detector [--config lookout.yml]

Runs the detector service until SIGTERM/SIGINT (two-phase stop bounded by shutdown_timeout).
`;

export async function run(argv: string[]): Promise<number> {
  const config = loadCommandConfig('detector', argv, USAGE);
  if (typeof config === 'number') return config;
  const logger = createLogger({ level: config.log_level, name: 'detector' });
  const outputs = await createDetectorOutputs(config, logger);
  let service: DetectorService;
  try {
    service = await DetectorService.start({
      config,
      logger,
      sink: outputs.sink,
      routes: [outputs.plane.httpRoutes],
      createPool: (options) => InferencePool.create(options),
      createTracker: () => new IouTracker(),
    });
  } catch (error) {
    logger.error({ err: error }, 'detector failed to start');
    process.stderr.write(`lookout detector: ${error instanceof Error ? error.message : String(error)}\n`);
    await outputs.close().catch(() => undefined);
    return 1;
  }
  outputs.attach(service);
  // systemd (Type=notify): READY once the model is loaded and decoders started; WATCHDOG while healthy.
  const notify = new SdNotify({ onProblem: (message) => logger.warn({ component: 'sd-notify' }, message) });
  await notify.ready(`${config.cameras.length} camera(s), model loaded`);
  notify.startWatchdog();
  const code = await new Promise<number>((resolve) => {
    let count = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      count++;
      logger.info({ signal, count }, count > 1 ? 'second signal: exiting now' : 'stopping');
      if (count === 1) void notify.stopping();
      if (count > 1) {
        resolve(130);
        return;
      }
      void service
        .stop()
        .then(({ drained }) => outputs.close().then(() => resolve(drained ? 0 : 1)))
        .catch((error: unknown) => {
          logger.error({ err: error }, 'detector stop failed');
          resolve(1);
        });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  await notify.close();
  // Everything was stopped; a stray handle must not keep a stopped detector alive.
  setTimeout(() => process.exit(code), 1000).unref();
  return code;
}
