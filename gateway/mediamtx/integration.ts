/**
 * The mediamtx part as one object for the gateway service (`MediamtxIntegration` in
 * gateway/service.ts): start = locate binary → render config → spawn and wait for readiness;
 * stop = stop the sidecar; plus the publish URL, per-pipeline credentials, and the two route
 * plugins (auth endpoint, demand leases) for the gateway's HTTP server.
 *
 * Per-boot secrets (boot-secrets.ts) are made when this object is created and written to the state
 * dir at start: the API credential for the Control API client and the auth policy, the demand
 * secret for the demand endpoint and (through LOOKOUT_DEMAND_SECRET_FILE) the hook.
 *
 * Order matters and is the service's: mediamtx starts before the HTTP server listens, so its API
 * answers 401 until then (readiness accepts that); pipelines start after the HTTP server, so their
 * publish auth can be answered.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { LookoutConfig } from '../../common/config/schema.ts';
import type { Logger } from '../../common/log.ts';
import type { Registry } from 'prom-client';
import type { RoutePlugin } from '../http-api.ts';
import type { MediamtxIntegration } from '../service.ts';
import { ensurePrivateDir } from '../../common/private-files.ts';
import { LOOKOUT_BIN } from '../../common/package-root.ts';
import { LAUNCH_ENV } from '../../common/launch-tuning.ts';
import { mediamtxAuthPlugin } from './auth-endpoint.ts';
import { createBootSecrets, DEMAND_SECRET_ENV, type BootSecrets } from './boot-secrets.ts';
import { DemandLeases, mediamtxDemandPlugin, type DemandSource } from './demand-endpoint.ts';
import { MediamtxConfigError } from './errors.ts';
import { locateMediamtx } from './locate-binary.ts';
import { createMediamtxMetrics } from './metrics.ts';
import { PublishCredentials } from './publish-credentials.ts';
import { renderMediamtxConfig } from './render-config.ts';
import { MediamtxSidecar } from './sidecar.ts';

export interface IntegrationOptions {
  logger: Logger;
  /** The pipeline manager, looked up when a lease is asked for (it is created after this object). */
  manager: () => DemandSource;
  env?: NodeJS.ProcessEnv;
  /** Base directory for relative paths (mediamtx.yml, ./bin/mediamtx). Default process.cwd(). */
  cwd?: string;
}

export interface MediamtxParts extends MediamtxIntegration {
  /** This part's metrics (auth decisions, sidecar up/exits, demand leases): merge into /metrics. */
  registry: Registry;
  /** The auth endpoint and the demand leases, as plugins with their options. */
  routes: RoutePlugin[];
  sidecar(): MediamtxSidecar | undefined;
  credentials: PublishCredentials;
  leases: DemandLeases;
  /** This start's API credential and demand secret (files written by start()). */
  bootSecrets: BootSecrets;
}

/** The gateway's own URL as seen from mediamtx on this host (a wildcard bind is reached on loopback). */
export function localGatewayUrl(http: LookoutConfig['http']): string {
  if (http.port === 0) throw new MediamtxConfigError('http.port: 0 cannot be used with the mediamtx sidecar (mediamtx needs a fixed auth URL)');
  const host = http.host === '0.0.0.0' || http.host === '::' ? '127.0.0.1' : http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${http.port}`;
}

/**
 * Renders the effective mediamtx config (base file + lookout.yml) atomically to `rendered_config`
 * and returns its path. Used by the sidecar start and by `lookout render-mediamtx` (systemd's
 * mediamtx.service renders before it starts mediamtx on the same file).
 */
export async function renderEffectiveMediamtxConfig(config: LookoutConfig, options: { cwd?: string; logger: Logger }): Promise<string> {
  const cwd = options.cwd ?? process.cwd();
  const m = config.mediamtx;
  const stateDir = resolve(cwd, config.state_dir);
  const baseFile = resolve(cwd, m.base_config);
  const outFile = isAbsolute(m.rendered_config) ? m.rendered_config : resolve(stateDir, m.rendered_config);
  await ensurePrivateDir(stateDir);
  await ensurePrivateDir(dirname(outFile));
  const baseText = await readFile(baseFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new MediamtxConfigError(`mediamtx.base_config: cannot read ${baseFile} (${error.code ?? error.message}); it ships at the top of the repository`);
  });
  const rendered = await renderMediamtxConfig(baseText, config, { outFile, gatewayUrl: localGatewayUrl(config.http), lookoutBin: LOOKOUT_BIN });
  for (const warning of rendered.warnings) options.logger.warn({ file: baseFile }, `mediamtx config: ${warning}`);
  return outFile;
}

export function createMediamtxIntegration(config: LookoutConfig, options: IntegrationOptions): MediamtxParts {
  const cwd = options.cwd ?? process.cwd();
  const m = config.mediamtx;
  const credentials = new PublishCredentials();
  const leases = new DemandLeases();
  const logger = options.logger.child({ component: 'mediamtx' });
  let sidecar: MediamtxSidecar | undefined;
  const stateDir = resolve(cwd, config.state_dir);
  const bootSecrets = createBootSecrets(stateDir);
  const metrics = createMediamtxMetrics(leases, () => sidecar);
  return {
    registry: metrics.registry,
    credentials,
    leases,
    bootSecrets,
    sidecar: () => sidecar,
    publishUrlBase: `rtsp://${m.host}:${m.rtsp_port}`,
    routes: [
      {
        plugin: mediamtxAuthPlugin,
        options: {
          logger,
          registry: metrics.registry,
          cameraIds: config.cameras.filter((camera) => camera.enabled).map((camera) => camera.id),
          viewers: config.viewers,
          detector: { user: config.detector.read_user, password: config.detector.read_password },
          publishCredentials: credentials,
          apiCredential: bootSecrets.api,
          beforePublish: async (path: string) => {
            const kicked = await sidecar?.api.kickPublisher(path);
            if (kicked) logger.warn({ camera: path, session: kicked }, 'kicked a stale publisher before the new pipeline publishes');
          },
        },
      },
      {
        plugin: mediamtxDemandPlugin,
        options: {
          manager: { acquireDemand: (id: string) => options.manager().acquireDemand(id) },
          logger,
          keepaliveMs: m.demand_keepalive,
          secret: bootSecrets.demand,
          leases,
        },
      },
    ],
    async start() {
      const outFile = await renderEffectiveMediamtxConfig(config, { cwd, logger });
      await bootSecrets.write();
      if (m.run === 'external') {
        // mediamtx runs under its own service and watches this file (atomic writes reload it).
        logger.info({ file: outFile }, 'mediamtx runs externally (mediamtx.run: external): config rendered, not spawned');
        return;
      }
      const bin = locateMediamtx({ configured: m.bin, env: options.env ?? process.env, cwd });
      sidecar = new MediamtxSidecar({
        bin,
        configFile: outFile,
        apiUrl: `http://127.0.0.1:${m.api_port}`,
        readyTimeoutMs: m.ready_timeout,
        stopGraceMs: m.stop_grace,
        apiTimeoutMs: m.api_timeout,
        backoff: { initialMs: m.restart_backoff_initial, maxMs: m.restart_backoff_max, resetAfterMs: 60_000 },
        logger,
        cwd: stateDir,
        apiCredentials: bootSecrets.api,
        // The demand hooks inherit mediamtx's environment: they get the launch tuning's variables.
        extraEnv: { ...LAUNCH_ENV, [DEMAND_SECRET_ENV]: bootSecrets.demandFile },
      });
      metrics.watchSidecar(sidecar);
      sidecar.on('exit', (exit) => {
        if (exit.unexpected) logger.warn({ code: exit.code, signal: exit.signal }, 'mediamtx exited unexpectedly; pipelines republish when it is back');
      });
      sidecar.start();
      try {
        await sidecar.waitReady(m.ready_timeout);
      } catch (error) {
        await sidecar.stop();
        throw error;
      }
    },
    async stop() {
      leases.endAll('gateway stopping');
      await sidecar?.stop();
    },
  };
}
