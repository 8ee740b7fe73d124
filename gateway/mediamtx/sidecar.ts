/**
 * Supervises the mediamtx binary as a child of the gateway.
 *
 * - Spawned through common/child/supervised-child.ts: own process group, pipes drained, exit
 *   observed; stop = SIGINT to the group (mediamtx's graceful signal), grace, then SIGKILL.
 * - Clean environment: mediamtx applies `RTSP_*` and `MTX_*` variables over its config file and its
 *   hooks inherit them (shared docs/mediamtx.md §1, §12.10), so none reach it, not even via extraEnv.
 * - Ready when `GET /v3/info` answers (any HTTP answer: with `authMethod: http` the API says 401
 *   until the gateway's auth endpoint listens), within `readyTimeoutMs`; otherwise the child is
 *   stopped and counted as a failed start.
 * - Restarts on ANY exit, exit 0 included (a failed hot reload exits 0, §7), through the shared
 *   restart loop (common/lifecycle: exponential backoff with jitter that resets after a stable run).
 *   Emits 'ready' and 'exit' so the gateway can react; running pipelines' ffmpeg children exit by
 *   themselves when the server goes and their manager restarts them.
 * - Lifecycle (common/lifecycle/service-state.ts): inert constructor, start() once, stop() memoized
 *   (every caller gets the promise of the one real drain), `closed`, start after stop refused.
 */
import { EventEmitter, once } from 'node:events';
import type { Logger } from 'pino';
import { SupervisedChild, type ChildExit } from '../../common/child/supervised-child.ts';
import { LineTail } from '../../common/child/line-tail.ts';
import type { BackoffOptions } from '../../common/lifecycle/backoff.ts';
import { deadline, DeadlineError } from '../../common/lifecycle/deadline.ts';
import { RestartLoop } from '../../common/lifecycle/restart-loop.ts';
import { ServiceState } from '../../common/lifecycle/service-state.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import { MediamtxApiClient } from './api-client.ts';
import { MediamtxApiError, MediamtxReadyTimeoutError } from './errors.ts';

export interface SidecarOptions {
  bin: string;
  /** The rendered config file, passed as mediamtx's only argument. */
  configFile: string;
  /** Control API base, e.g. http://127.0.0.1:9997. */
  apiUrl: string;
  readyTimeoutMs: number;
  stopGraceMs: number;
  apiTimeoutMs: number;
  backoff: BackoffOptions;
  logger: Logger;
  /** Working directory (mediamtx may write files such as auto certs there). */
  cwd?: string;
  /** The per-boot API credential the Control API client sends (boot-secrets.ts). */
  apiCredentials?: { user: string; password: string };
  /** Variables added to the clean environment (MTX_* and RTSP_* are dropped anyway). */
  extraEnv?: Record<string, string>;
  /** Interval of the readiness poll. Default 100 ms. */
  readyPollMs?: number;
  /** How long to wait for the exit after SIGKILL. Default 2000 ms. */
  killWaitMs?: number;
}

export interface SidecarExit extends ChildExit {
  /** True when the exit was not asked for by stop(). */
  unexpected: boolean;
  /** Last lines mediamtx printed (it prints config errors as `ERR: ...` on stdout). */
  outputTail: string[];
}

export interface SidecarEvents {
  ready: [{ pid: number | undefined; version: string }];
  exit: [SidecarExit];
  'restart-scheduled': [{ delayMs: number; attempt: number }];
  'ready-timeout': [MediamtxReadyTimeoutError];
}

const FORBIDDEN_ENV = /^(MTX_|RTSP_)/;

/** The environment mediamtx gets: PATH/HOME/locale/TZ only, plus explicit extras, never MTX_/RTSP_. */
export function cleanEnvironment(source: NodeJS.ProcessEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ']) if (source[key] !== undefined) env[key] = source[key];
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  for (const [key, value] of Object.entries(extra)) if (!FORBIDDEN_ENV.test(key)) env[key] = value;
  return env;
}

export class MediamtxSidecar extends EventEmitter<SidecarEvents> {
  readonly #options: SidecarOptions;
  readonly #api: MediamtxApiClient;
  readonly #state = new ServiceState('mediamtx sidecar');
  readonly #loop: RestartLoop<'exit'>;
  #child: SupervisedChild | undefined;
  #running: Promise<void> = Promise.resolve();
  #ready = false;

  constructor(options: SidecarOptions) {
    super();
    this.#options = options;
    this.#api = new MediamtxApiClient({ baseUrl: options.apiUrl, timeoutMs: options.apiTimeoutMs, credentials: options.apiCredentials });
    this.#loop = new RestartLoop({
      backoff: options.backoff,
      signal: this.#state.signal,
      run: async (signal) => {
        const readyAt = await this.#runOnce(signal);
        return { restart: 'exit', ranMs: readyAt === undefined ? 0 : Date.now() - readyAt };
      },
      onBackoff: ({ delayMs, attempt }) => {
        this.emit('restart-scheduled', { delayMs, attempt });
        this.#options.logger.warn({ delayMs, attempt }, 'mediamtx exited; restarting after backoff');
      },
    });
  }

  /** True while the current mediamtx answered GET /v3/info and has not exited since. */
  get ready(): boolean {
    return this.#ready;
  }

  get pid(): number | undefined {
    return this.#child?.running ? this.#child.pid : undefined;
  }

  /** How many times mediamtx was spawned. */
  get starts(): number {
    return this.#loop.starts;
  }

  /** Resolves once stop() has drained (no mediamtx left). */
  get closed(): Promise<void> {
    return this.#state.closed;
  }

  get api(): MediamtxApiClient {
    return this.#api;
  }

  /**
   * Starts supervising (once: a second call throws ServiceAlreadyStartedError, a call after stop()
   * ServiceStoppedError). Use waitReady() to wait for the first readiness.
   */
  start(): void {
    this.#state.beginStart();
    this.#running = this.#loop.run();
    this.#state.started();
  }

  /**
   * Resolves once mediamtx is ready; rejects with MediamtxReadyTimeoutError after `timeoutMs`, or
   * with ServiceStoppedError when the sidecar is stopped first.
   */
  async waitReady(timeoutMs: number): Promise<void> {
    if (this.#ready) return;
    const done = new AbortController();
    try {
      await deadline(once(this, 'ready', { signal: done.signal }), timeoutMs, 'mediamtx readiness', { signal: this.#state.signal });
    } catch (error) {
      throw error instanceof DeadlineError ? new MediamtxReadyTimeoutError(timeoutMs) : error;
    } finally {
      done.abort(); // removes the 'ready' listener
    }
  }

  /** Stops supervising and the child (SIGINT, grace, SIGKILL). Bounded and memoized. */
  stop(): Promise<void> {
    return this.#state.stop(async () => {
      await this.#child?.stop();
      await this.#running;
    });
  }

  /** One mediamtx lifetime; resolves with the time it became ready (undefined if it never did). */
  async #runOnce(signal: AbortSignal): Promise<number | undefined> {
    const { logger } = this.#options;
    const output = new LineTail(50, undefined, (line) => logger.info({ component: 'mediamtx' }, line));
    const child = SupervisedChild.spawn({
      name: 'mediamtx',
      command: this.#options.bin,
      args: [this.#options.configFile],
      env: cleanEnvironment(process.env, this.#options.extraEnv),
      ...(this.#options.cwd ? { cwd: this.#options.cwd } : {}),
      termSignal: 'SIGINT',
      termGraceMs: this.#options.stopGraceMs,
      killWaitMs: this.#options.killWaitMs ?? 2000,
      onStdout: (chunk) => output.push(chunk),
      onStderrLine: (line) => logger.warn({ component: 'mediamtx' }, line),
    });
    this.#child = child;
    if (signal.aborted) await child.stop();
    const readyAt = await this.#awaitReady(child, signal);
    const exit = await child.exited;
    this.#ready = false;
    output.flush();
    const report: SidecarExit = { ...exit, unexpected: !exit.stopRequested, outputTail: output.lines() };
    logger[report.unexpected ? 'warn' : 'info'](
      { code: exit.code, signal: exit.signal, spawnError: exit.spawnError?.message, lost: exit.lost, tail: report.outputTail.slice(-5) },
      'mediamtx exited',
    );
    this.emit('exit', report);
    return readyAt;
  }

  /**
   * The version when GET /v3/info answered. An error answer (e.g. 401 while the gateway's auth
   * endpoint is not listening yet: mediamtx then denies every API call) still proves the API is up.
   */
  async #probe(): Promise<string | undefined> {
    try {
      return (await this.#api.info()).version;
    } catch (error) {
      if (error instanceof MediamtxApiError) return `unknown (GET /v3/info: HTTP ${error.status})`;
      return undefined; // not listening yet
    }
  }

  async #awaitReady(child: SupervisedChild, signal: AbortSignal): Promise<number | undefined> {
    const deadline = Date.now() + this.#options.readyTimeoutMs;
    const pollMs = this.#options.readyPollMs ?? 100;
    while (child.running && !signal.aborted) {
      const version = await this.#probe();
      if (version !== undefined && child.running) {
        this.#ready = true;
        this.emit('ready', { pid: child.pid, version });
        this.#options.logger.info({ pid: child.pid, version }, 'mediamtx ready');
        return Date.now();
      }
      if (Date.now() >= deadline) {
        const error = new MediamtxReadyTimeoutError(this.#options.readyTimeoutMs);
        this.emit('ready-timeout', error);
        this.#options.logger.error({ pid: child.pid }, error.message);
        await child.stop();
        return undefined;
      }
      await sleep(pollMs, signal);
    }
    return undefined;
  }
}
