/**
 * Real brokers for tests: Debian's `mosquitto` and `nats-server` (JetStream on, temp store dir) on
 * free loopback ports. Each broker can be stopped and started again on the same port (outage tests),
 * and `dispose()` stops it, awaits the exit and removes its temp dir, so nothing is left running.
 */
import { freePort } from './free-port.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A broker process failed to start listening in time. */
export class BrokerStartError extends Error {
  override readonly name = 'BrokerStartError';
}


async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** One broker child we own; start/stop may be repeated on the same port. */
export class BrokerProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #output = '';

  constructor(
    readonly command: string,
    readonly args: string[],
    readonly port: number,
    readonly dir: string,
    readonly extraPorts: number[] = [],
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Last part of the broker's output, for failure messages. */
  get output(): string {
    return this.#output.slice(-4000);
  }

  async start(deadlineMs = 10_000): Promise<void> {
    if (this.#child) return;
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.#child = child;
    const keep = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString()).slice(-16_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => {
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
      child.once('error', (error) => {
        this.#output += `\nspawn error: ${error.message}`;
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
    });
    const until = Date.now() + deadlineMs;
    while (Date.now() < until) {
      if (!this.#child) throw new BrokerStartError(`${this.command} exited during start:\n${this.output}`);
      if (await canConnect(this.port)) return;
      await sleep(50);
    }
    await this.stop();
    throw new BrokerStartError(`${this.command} did not listen on 127.0.0.1:${this.port} within ${deadlineMs} ms:\n${this.output}`);
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the exit is observed. */
  async stop(graceMs = 3000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child?.pid) return this.#exited;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the broker and removes its temp dir. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** mosquitto on a free loopback port, anonymous, with persistence in a temp dir. */
export class Mosquitto extends BrokerProcess {
  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }
}

export async function startMosquitto(options: { persistence?: boolean } = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-mosq-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'set_tcp_nodelay true', 'max_queued_messages 100000', 'log_dest stderr', 'log_type error', 'log_type warning'];
  if (options.persistence ?? true) {
    lines.push('persistence true', `persistence_location ${dir}/`, 'autosave_interval 1');
    // mosquitto started as root drops to the `mosquitto` user, which must be able to write its store here.
    chmodSync(dir, 0o777);
  }
  writeFileSync(conf, `${lines.join('\n')}\n`);
  const broker = new Mosquitto('mosquitto', ['-c', conf], port, dir);
  try {
    await broker.start();
  } catch (error) {
    await broker.dispose();
    throw error;
  }
  return broker;
}

/** nats-server with JetStream on, store in a temp dir. */
export class NatsServer extends BrokerProcess {
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }
}

export interface NatsServerOptions {
  /** Extra nats-server config text (e.g. a leafnodes block). */
  extraConfig?: string;
  name?: string;
  jetstreamDomain?: string;
  port?: number;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-nats-'));
  const port = options.port ?? (await freePort());
  const conf = join(dir, 'nats.conf');
  const domain = options.jetstreamDomain ? `  domain: ${options.jetstreamDomain}\n` : '';
  writeFileSync(
    conf,
    [
      `server_name: ${options.name ?? `n${port}`}`,
      `listen: 127.0.0.1:${port}`,
      `jetstream {\n  store_dir: "${dir}/js"\n  max_mem: 64MB\n  max_file: 256MB\n${domain}}`,
      options.extraConfig ?? '',
    ].join('\n'),
  );
  const server = new NatsServer('nats-server', ['-c', conf], port, dir);
  try {
    await server.start();
  } catch (error) {
    await server.dispose();
    throw error;
  }
  return server;
}

/** Two nats-servers: an edge joined to a hub as a leaf node, each with its own JetStream domain. */
export interface LeafPair {
  hub: NatsServer;
  edge: NatsServer;
  leafPort: number;
  dispose(): Promise<void>;
}

export async function startLeafPair(): Promise<LeafPair> {
  const leafPort = await freePort();
  const hub = await startNatsServer({
    name: 'hub',
    jetstreamDomain: 'hub',
    extraConfig: `leafnodes {\n  listen: 127.0.0.1:${leafPort}\n}\n`,
  });
  let edge: NatsServer;
  try {
    edge = await startNatsServer({
      name: 'edge',
      jetstreamDomain: 'edge',
      extraConfig: `leafnodes {\n  reconnect: 1\n  remotes: [ { url: "nats-leaf://127.0.0.1:${leafPort}" } ]\n}\n`,
    });
  } catch (error) {
    await hub.dispose();
    throw error;
  }
  return {
    hub,
    edge,
    leafPort,
    async dispose() {
      await Promise.all([edge.dispose(), hub.dispose()]);
    },
  };
}

/** Resolves once `check()` is true, or throws after `deadlineMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, deadlineMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
}

export { freePort };
