/**
 * A real RTSP receiver over TCP for tests and benchmarks: ffmpeg's own RTSP listen mode
 * (`-rtsp_flags listen -rtsp_transport tcp`), which accepts one publisher (ANNOUNCE + RECORD) per
 * port and copies what it gets into `-f null`. It exists because the npm stand-in speaks RTP over
 * UDP only, while mediamtx (not installable here) and the gateway's default use TCP.
 *
 * ffmpeg ends when its publisher leaves and stops listening once it has accepted one, so the
 * receiver behaves like a server by listening again after every session (until `vanish()`/`stop()`).
 * Each ffmpeg runs in its own process group, its stdout (`-progress pipe:1`) is parsed for frame
 * counts and its stderr is drained into a short tail; stop is SIGTERM then SIGKILL after a grace and
 * resolves only once the exit is observed. `frames` counts every frame received across sessions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

export interface RtspTcpReceiverOptions {
  /** Port to listen on (default: a free loopback port). */
  port?: number;
  /** SIGTERM → SIGKILL grace when stopping (default 1 s). */
  graceMs?: number;
}

/** One listening ffmpeg at a time on a fixed loopback port; relistens after each publisher leaves. */
export class RtspTcpReceiver {
  readonly port: number;
  readonly #graceMs: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #wanted = false;
  #completedFrames = 0;
  #sessionFrames = 0;
  #sessions = 0;
  #stderr = '';

  private constructor(port: number, graceMs: number) {
    this.port = port;
    this.#graceMs = graceMs;
  }

  static async start(options: RtspTcpReceiverOptions = {}): Promise<RtspTcpReceiver> {
    const receiver = new RtspTcpReceiver(options.port ?? (await freePort()), options.graceMs ?? 1000);
    await receiver.listen();
    return receiver;
  }

  /** Base URL for `pipelines.publish_url` (the camera id is appended; ffmpeg only warns on the path). */
  get baseUrl(): string {
    return `rtsp://127.0.0.1:${this.port}`;
  }

  /** Frames received over the receiver's whole life. */
  get frames(): number {
    return this.#completedFrames + this.#sessionFrames;
  }

  /** Publisher sessions that ended (each one a listening ffmpeg that exited). */
  get sessions(): number {
    return this.#sessions;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Last part of ffmpeg's stderr, for failure messages. */
  get stderr(): string {
    return this.#stderr.slice(-2000);
  }

  /** Starts listening (again) after `vanish()`; resolves once the port accepts connections. */
  async listen(deadlineMs = 10_000): Promise<void> {
    this.#wanted = true;
    if (!this.#child) this.#spawn();
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      if (portOpen(this.port)) return;
      await sleep(50);
    }
    throw new Error(`RTSP TCP receiver did not listen on 127.0.0.1:${this.port} within ${deadlineMs} ms: ${this.stderr}`);
  }

  /** Freezes the listening ffmpeg (SIGSTOP to its group): the publisher's TCP writes block. */
  freeze(): void {
    this.#signal('SIGSTOP');
  }

  thaw(): void {
    this.#signal('SIGCONT');
  }

  /** The server goes away: ffmpeg stopped, the port closed, nothing listens until `listen()`. */
  async vanish(): Promise<void> {
    this.#wanted = false;
    const child = this.#child;
    if (!child?.pid) return this.#exited;
    this.#signal('SIGCONT');
    this.#signal('SIGTERM');
    const timer = setTimeout(() => this.#signal('SIGKILL', child), this.#graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Stops for good; resolves once the exit is observed. */
  async stop(): Promise<void> {
    await this.vanish();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #signal(signal: NodeJS.Signals, child = this.#child): void {
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }

  #spawn(): void {
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'warning', '-nostats', '-progress', 'pipe:1', '-stats_period', '0.5',
      '-analyzeduration', '500000', '-probesize', '500000', '-rtsp_flags', 'listen', '-rtsp_transport', 'tcp', '-i', `rtsp://127.0.0.1:${this.port}/live`,
      '-c', 'copy', '-f', 'null', '-',
    ];
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.#child = child;
    this.#sessionFrames = 0;
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^frame=(\d+)$/.exec(line.trim());
        if (match) this.#sessionFrames = Math.max(this.#sessionFrames, Number(match[1]));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-8000);
    });
    this.#exited = new Promise((resolve) => {
      const done = () => {
        if (this.#child !== child) return resolve();
        this.#child = undefined;
        this.#completedFrames += this.#sessionFrames;
        this.#sessionFrames = 0;
        this.#sessions++;
        // A server listens again for the next publisher, unless it was told to go away.
        if (this.#wanted) this.#spawn();
        resolve();
      };
      child.once('exit', done);
      child.once('error', (error) => {
        this.#stderr += `\nspawn error: ${error.message}`;
        done();
      });
    });
  }
}

/**
 * True if something LISTENs on 127.0.0.1:port, from /proc/net/tcp: connecting to probe would be
 * taken by ffmpeg as its one publisher.
 */
function portOpen(port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return false;
  }
  return table.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1] === local && fields[3] === '0A';
  });
}
