import { execFile } from 'node:child_process';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * systemd's notify protocol (READY=1, WATCHDOG=1, STATUS=..., STOPPING=1) without a native addon.
 *
 * Node's `dgram` has no AF_UNIX datagram sockets, so `$NOTIFY_SOCKET` cannot be written from core
 * Node. Each message is sent by a short-lived `systemd-notify` process. systemd attributes a message
 * to a unit through the sender's cgroup, so the units set `NotifyAccess=all`; since systemd 246,
 * `systemd-notify` also sends `BARRIER=1` and waits until the manager has processed the message, which
 * closes the race where the helper exits before systemd looked it up. Every send has a deadline; the
 * helper is killed when it overruns (a wedged manager never blocks us).
 *
 * Measured on this machine (Debian 12, systemd 252, no systemd running as PID 1): `systemd-notify`
 * still sends to `$NOTIFY_SOCKET` (only `--booted` reports "not booted"), so no fallback sender is
 * needed; when the `systemd-notify` binary itself is missing (slim containers) a python3 one-liner
 * is used instead.
 *
 * The watchdog ping is sent at half of `WATCHDOG_USEC`, and ONLY while the process is healthy: the
 * event-loop delay since the last ping must be under `maxLoopDelayMs` and the optional health check
 * must pass. A blocked loop sends nothing at all (the timer cannot fire), so systemd kills and
 * restarts us, which is the point (seed 001: the hung container needed a watchdog).
 */

export interface SdNotifyOptions {
  /** Environment to read NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID from. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Deadline for one send (the helper is killed after it). Default 5000 ms. */
  sendTimeoutMs?: number;
  /** Skip a watchdog ping when the event loop was delayed more than this since the last one. Default 2000 ms. */
  maxLoopDelayMs?: number;
  /** Extra liveness check for the watchdog ping; a false or throwing check skips the ping. */
  healthCheck?: () => boolean;
  /** Called when a send fails or a ping is skipped (for the service's logger). */
  onProblem?: (message: string) => void;
  /** `systemd-notify` path. Default "systemd-notify" on PATH. */
  command?: string;
}

/** Why a watchdog ping was not sent. */
export type SkipReason = 'loop-delay' | 'health-check' | 'send-in-flight';

/** What a notifier has done, for tests and /metrics. */
export interface SdNotifyStats {
  sent: number;
  failed: number;
  skipped: Record<SkipReason, number>;
}

const PYTHON_SENDER =
  'import os,socket,sys\n' +
  'a=os.environ["NOTIFY_SOCKET"]\n' +
  'a="\\0"+a[1:] if a.startswith("@") else a\n' +
  's=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\n' +
  's.sendto("\\n".join(sys.argv[1:]).encode(),a)\n';

/** A notifier bound to one process. `enabled` is false (and every call a no-op) without NOTIFY_SOCKET. */
export class SdNotify {
  readonly enabled: boolean;
  /** Watchdog interval (half of WATCHDOG_USEC), or undefined when systemd did not ask for pings. */
  readonly watchdogIntervalMs: number | undefined;
  readonly stats: SdNotifyStats = { sent: 0, failed: 0, skipped: { 'loop-delay': 0, 'health-check': 0, 'send-in-flight': 0 } };
  readonly #env: NodeJS.ProcessEnv;
  readonly #options: SdNotifyOptions;
  #timer: NodeJS.Timeout | undefined;
  #histogram: IntervalHistogram | undefined;
  #inFlight = new Set<Promise<boolean>>();
  #queue: Promise<unknown> = Promise.resolve();
  #pingInFlight = false;
  #useFallback = false;

  constructor(options: SdNotifyOptions = {}) {
    this.#options = options;
    this.#env = options.env ?? process.env;
    this.enabled = Boolean(this.#env.NOTIFY_SOCKET);
    this.watchdogIntervalMs = this.enabled ? watchdogInterval(this.#env) : undefined;
  }

  /** READY=1, with an optional STATUS= line; call it when the service can really do its job. */
  ready(status?: string): Promise<boolean> {
    return this.send(['READY=1', ...(status ? [`STATUS=${oneLine(status)}`] : [])]);
  }

  /** STATUS= text shown by `systemctl status`. */
  status(text: string): Promise<boolean> {
    return this.send([`STATUS=${oneLine(text)}`]);
  }

  /** STOPPING=1: tells systemd the shutdown is ours (and stops the watchdog pings). */
  stopping(status?: string): Promise<boolean> {
    this.stopWatchdog();
    return this.send(['STOPPING=1', ...(status ? [`STATUS=${oneLine(status)}`] : [])]);
  }

  /** Starts WATCHDOG=1 pings at half of WATCHDOG_USEC; a no-op when systemd set no watchdog. */
  startWatchdog(): void {
    const interval = this.watchdogIntervalMs;
    if (interval === undefined || this.#timer) return;
    this.#histogram = monitorEventLoopDelay({ resolution: 20 });
    this.#histogram.enable();
    this.#timer = setInterval(() => this.#tick(), interval);
    this.#timer.unref();
  }

  stopWatchdog(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#histogram?.disable();
    this.#histogram = undefined;
  }

  /** Stops the watchdog and waits (bounded by the send deadline) for sends in flight. */
  async close(): Promise<void> {
    this.stopWatchdog();
    await Promise.all([...this.#inFlight]);
  }

  #tick(): void {
    const maxDelayMs = (this.#histogram?.max ?? 0) / 1e6;
    this.#histogram?.reset();
    if (maxDelayMs > (this.#options.maxLoopDelayMs ?? 2000)) return this.#skip('loop-delay', `event loop delayed ${Math.round(maxDelayMs)} ms`);
    let healthy: boolean;
    try {
      healthy = this.#options.healthCheck ? this.#options.healthCheck() : true;
    } catch {
      healthy = false;
    }
    if (!healthy) return this.#skip('health-check', 'health check failed');
    if (this.#pingInFlight) return this.#skip('send-in-flight', 'previous ping still in flight');
    this.#pingInFlight = true;
    void this.send(['WATCHDOG=1']).finally(() => {
      this.#pingInFlight = false;
    });
  }

  #skip(reason: SkipReason, message: string): void {
    this.stats.skipped[reason]++;
    this.#options.onProblem?.(`watchdog ping skipped: ${message}`);
  }

  /**
   * Sends raw `KEY=VALUE` lines; resolves true when the helper reported success. Never rejects.
   * Sends go out one at a time, in call order (READY before STOPPING), each within its deadline.
   */
  send(lines: string[]): Promise<boolean> {
    if (!this.enabled) return Promise.resolve(false);
    const attempt = this.#queue.then(() => this.#run(lines)).then((ok) => {
      if (ok) this.stats.sent++;
      else this.stats.failed++;
      return ok;
    });
    this.#queue = attempt;
    this.#inFlight.add(attempt);
    void attempt.finally(() => this.#inFlight.delete(attempt));
    return attempt;
  }

  async #run(lines: string[]): Promise<boolean> {
    if (!this.#useFallback) {
      const result = await runHelper(this.#options.command ?? 'systemd-notify', lines, this.#env, this.#timeout());
      if (result.error !== 'ENOENT') return this.#report(result, lines);
      this.#useFallback = true;
    }
    return this.#report(await runHelper('python3', ['-c', PYTHON_SENDER, ...lines], this.#env, this.#timeout()), lines);
  }

  #timeout(): number {
    return this.#options.sendTimeoutMs ?? 5000;
  }

  #report(result: HelperResult, lines: string[]): boolean {
    if (!result.ok) this.#options.onProblem?.(`sd_notify ${lines.map((line) => line.split('=')[0]).join(',')} failed: ${result.error ?? 'unknown'}`);
    return result.ok;
  }
}

interface HelperResult {
  ok: boolean;
  error?: string;
}

function runHelper(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<HelperResult> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true }, (error, _stdout, stderr) => {
      if (!error) return resolve({ ok: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve({ ok: false, error: 'ENOENT' });
      if (error.killed) return resolve({ ok: false, error: `no answer within ${timeoutMs} ms` });
      resolve({ ok: false, error: String(stderr).trim().split('\n')[0] || `exit ${String(code)}` });
    });
  });
}

/** Half of WATCHDOG_USEC, honouring WATCHDOG_PID (a child that inherited the variables must not ping). */
export function watchdogInterval(env: NodeJS.ProcessEnv, pid = process.pid): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

/** The variables a supervised child must not inherit (it is not the unit's main process). */
export const SD_NOTIFY_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 200);
}
