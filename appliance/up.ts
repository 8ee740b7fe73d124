import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOOKOUT_BIN, packagePath } from '../common/package-root.ts';
import { LAUNCH_NODE_FLAGS, launchEnv } from '../common/launch-tuning.ts';
import { freeLoopbackPort } from '../common/net/free-port.ts';
import { loadConfigFile } from '../common/config/load.ts';
import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import { SD_NOTIFY_ENV, SdNotify } from '../common/sd-notify.ts';
import { resolveFfmpegPath } from '../gateway/ffmpeg/ffmpeg-info.ts';
import { ChildRegistry, DETECTOR_CHILDREN_FILE, killOrphans } from '../common/child/orphan-registry.ts';
import { ChildRestarter } from './child-restarter.ts';
import { bannerLines, eventLine } from './console-output.ts';
import { ensureDemoClip } from './demo-clip.ts';
import { demoConfig, demoConfigInput, type DemoOptions } from './demo-config.ts';
import { JsonlFollower } from './jsonl-follower.ts';
import { findMediamtx } from './find-mediamtx.ts';
import { startGateway, type RunningGateway } from './gateway-runner.ts';
import { ensurePrivateDirSync } from '../common/private-files.ts';
import { deadline, DeadlineError } from '../common/lifecycle/deadline.ts';

/**
 * `lookout up`: the whole appliance in one command. The gateway (and through it the mediamtx
 * sidecar) runs in this process; the detector runs as a SEPARATE child process, restarted with
 * backoff on any exit, so a detector crash never takes the streams down. Shutdown is bounded:
 * the first signal stops everything within shutdown_timeout, a second one kills at once.
 *
 * The detector child is in the orphan registry (`<state_dir>/up-children.json`, pid + start time):
 * after `up` was SIGKILLed, the next start ends the old detector and its decoders (its descendants,
 * in their own process groups) before anything binds a port; the gateway sweeps its own pipelines.
 */
export interface UpOptions {
  /** lookout.yml; when it does not exist (and was not given explicitly) the demo runs. */
  configPath: string;
  configExplicit: boolean;
  demo: boolean;
  logger: Logger;
  out: (line: string) => void;
  /** Resolves when shutdown is asked for; `immediate` on the second signal. */
  shutdown: ShutdownTrigger;
  env?: NodeJS.ProcessEnv;
  /** How the gateway is started; default the real gateway with its control plane (gateway-runner.ts). */
  gateway?: (config: LookoutConfig, logger: Logger) => Promise<RunningGateway>;
  /** For tests: the detector command; default `node --max-semi-space-size=1 bin/lookout.js detector --config F` with the launch tuning (common/launch-tuning.ts). */
  detectorCommand?: { command: string; args: string[] };
  /** Demo only: where its state lives (default ./state/demo) and its HTTP port (default 8080; 0 = any). */
  demoStateDir?: string;
  demoHttpPort?: number;
}

export interface ShutdownTrigger {
  requested: Promise<void>;
  immediate: Promise<void>;
}

export class UpConfigError extends Error {
  override readonly name = 'UpConfigError';
}

/** The registry of the processes `up` itself supervises (the gateway's pipelines have children.json). */
const UP_CHILDREN_FILE = 'up-children.json';


interface Prepared {
  config: LookoutConfig;
  configFile: string;
  demo: boolean;
  mediamtx: boolean;
}

async function prepare(options: UpOptions, env: NodeJS.ProcessEnv): Promise<Prepared> {
  const wantDemo = options.demo || (!options.configExplicit && !existsSync(options.configPath));
  if (!wantDemo) {
    if (!existsSync(options.configPath)) throw new UpConfigError(`${options.configPath}: no such file (run without --config for the demo)`);
    const config = loadConfigFile(options.configPath, env);
    const mediamtx = config.mediamtx.enabled && findMediamtx(config, env).path !== undefined;
    return { config, configFile: resolve(options.configPath), demo: false, mediamtx };
  }
  const stateDir = resolve(options.demoStateDir ?? join('state', 'demo'));
  const bin = findMediamtx(demoConfig({ stateDir, mediamtx: false }), env).path;
  ensurePrivateDirSync(stateDir);
  const clip = await ensureDemoClip(stateDir, resolveFfmpegPath(undefined, env));
  const demoOptions: DemoOptions = {
    stateDir,
    source: pathToFileURL(clip).href,
    mediamtx: bin !== undefined,
    ...(bin ? { mediamtxBin: bin, mediamtxBaseConfig: packagePath('mediamtx.yml') } : {}),
    ...(options.demoHttpPort !== undefined ? { httpPort: options.demoHttpPort } : {}),
    // With a chosen gateway port 0 (tests, several demos), the detector's port is picked freely
    // too, here, so the gateway's proxy for the web page knows where to reach it.
    ...(options.demoHttpPort === 0 ? { detectorHttpPort: await freeLoopbackPort() } : {}),
  };
  const config = demoConfig(demoOptions);
  // The detector child reads its config from a file (JSON is YAML). It gets the demo's *input*,
  // not the parsed config: parsed durations are milliseconds, which the child would read as seconds.
  const configFile = join(stateDir, 'demo.lookout.yml');
  writeFileSync(configFile, `${JSON.stringify(demoConfigInput(demoOptions), null, 2)}\n`, { mode: 0o600 });
  return { config, configFile, demo: true, mediamtx: bin !== undefined };
}

function detectorEnv(env: NodeJS.ProcessEnv, demo: boolean): NodeJS.ProcessEnv {
  const out = launchEnv(env);
  // The detector is not the unit's main process: it must not answer systemd's watchdog for us.
  for (const key of SD_NOTIFY_ENV) delete out[key];
  if (demo) out.LOOKOUT_LOG_LEVEL ??= 'warn';
  return out;
}

/** Runs until shutdown; returns the process exit code. */
export async function runUp(options: UpOptions): Promise<number> {
  const env = options.env ?? process.env;
  const { logger, out } = options;
  const prepared = await prepare(options, env);
  const { config } = prepared;
  if (!env.LOOKOUT_LOG_LEVEL) logger.level = config.log_level;
  const started: { gateway?: RunningGateway } = {};
  const notify = new SdNotify({
    env,
    // Watchdog pings also need a gateway that is up (not stopping, not failed to start).
    healthCheck: () => started.gateway?.ready === true,
    onProblem: (message) => logger.warn({ component: 'sd-notify' }, message),
  });
  await notify.status('starting');
  // A previous run's detector (and its decoders) first: it may still hold the detector's port.
  const { killed } = await killOrphans(config.state_dir, logger, 5000, UP_CHILDREN_FILE);
  if (killed.length > 0) logger.warn({ count: killed.length }, 'ended processes left by a previous lookout up');

  const gateway = await (options.gateway ?? startGateway)(config, logger.child({ component: 'gateway' }));
  started.gateway = gateway;
  const detector = config.detector.enabled ? startDetector(options, prepared, env, notify) : undefined;
  const follower =
    !config.mqtt && !config.nats
      ? new JsonlFollower({
          path: join(config.state_dir, 'events.jsonl'),
          onRecord: (record) => {
            gateway.recentEvents.push(record);
            // The console shows a track's start and end; its updates are in the file and the API.
            if ((record as { type?: unknown } | null)?.type !== 'update') out(eventLine(record));
          },
        })
      : undefined;
  follower?.start();

  for (const line of bannerLines(config, { mediamtx: prepared.mediamtx, demo: prepared.demo, httpPort: gateway.port })) out(line);
  await notify.ready(`${config.cameras.length} camera(s); detector ${detector ? 'supervised' : 'disabled'}`);
  notify.startWatchdog();

  let immediate = false;
  await options.shutdown.requested;
  void options.shutdown.immediate.then(() => {
    immediate = true;
    detector?.killNow();
    gateway.kill();
  });
  await notify.stopping('stopping');
  out('Stopping...');
  follower?.stop();
  const bound = config.shutdown_timeout + 5000;
  const finished = await withDeadline(Promise.all([detector?.stop(), gateway.stop()]), bound, options.shutdown.immediate);
  if (finished === 'timeout') {
    detector?.killNow();
    gateway.kill();
  }
  follower?.poll();
  await notify.close();
  if (finished === 'done' && !immediate) return 0;
  out(finished === 'timeout' ? `Shutdown did not finish within ${bound} ms; exiting anyway.` : 'Stopped at once (second signal).');
  return 1;
}

function startDetector(options: UpOptions, prepared: Prepared, env: NodeJS.ProcessEnv, notify: SdNotify): ChildRestarter {
  const command = options.detectorCommand ?? { command: process.execPath, args: [...LAUNCH_NODE_FLAGS, LOOKOUT_BIN, 'detector', '--config', prepared.configFile] };
  const log = options.logger.child({ component: 'detector-supervisor' });
  const registry = new ChildRegistry(prepared.config.state_dir, UP_CHILDREN_FILE, 'lookout up');
  let current: number | undefined;
  const restarter = new ChildRestarter({
    spec: {
      name: 'detector',
      ...command,
      env: detectorEnv(env, prepared.demo),
      // The detector drains in-flight inferences and flushes its outbox within shutdown_timeout.
      termGraceMs: prepared.config.shutdown_timeout + 2000,
      onStdout: (chunk) => process.stdout.write(chunk),
      onStderrLine: (line) => process.stderr.write(`[detector] ${line}\n`),
    },
    backoff: { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 },
    onStart: (child, run) => {
      current = child.pid;
      if (current !== undefined) registry.add(current, 'detector');
      log.info({ pid: child.pid, run }, 'detector started');
    },
    // A detector that died (SIGKILL, OOM) leaves its decoders running, reparented to init, until
    // their next write fails: end them from the detector's own registry before the next detector
    // starts (awaited by the restarter, so the sweep never deletes the new detector's registry).
    afterExit: async () => {
      try {
        const { killed } = await killOrphans(prepared.config.state_dir, log, 2000, DETECTOR_CHILDREN_FILE);
        if (killed.length > 0) log.warn({ count: killed.length }, 'ended the decoders of the detector that exited');
      } catch (error) {
        log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not end the exited detector\'s decoders');
      }
    },
    onExit: (exit, delay) => {
      if (current !== undefined) registry.remove(current);
      current = undefined;
      if (delay === undefined) return;
      const how = exit.spawnError ? `could not start (${exit.spawnError.message})` : `exited (code ${String(exit.code)}, signal ${String(exit.signal)})`;
      log.warn({ code: exit.code, signal: exit.signal, restart_in_ms: delay }, `detector ${how}; the streams keep running, restarting in ${delay} ms`);
      void notify.status(`detector ${how}; restarting in ${Math.round(delay / 1000)} s`);
    },
  });
  restarter.start();
  return restarter;
}

async function withDeadline(work: Promise<unknown>, ms: number, abort: Promise<void>): Promise<'done' | 'timeout' | 'aborted'> {
  const aborted = new AbortController();
  void abort.then(() => aborted.abort());
  try {
    await deadline(work, ms, 'shutdown', { signal: aborted.signal });
    return 'done';
  } catch (error) {
    if (aborted.signal.aborted) return 'aborted';
    if (error instanceof DeadlineError) return 'timeout';
    throw error;
  }
}
