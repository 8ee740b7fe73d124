/**
 * A real RTSP server for tests, standing in for mediamtx (which cannot be installed here): the npm
 * package `rtsp-streaming-server`. It is NOT mediamtx: publishers (ffmpeg `-f rtsp`, ANNOUNCE +
 * RECORD) use one port and readers another, and RTP goes over UDP only (publish and read with
 * `-rtsp_transport udp`). Both RTSP ports listen on 127.0.0.1 only; RTP ports come from a random
 * range so parallel test files rarely collide. A publisher whose connection drops loses its path
 * (as in mediamtx). `close()` ends every socket it opened.
 */
import type { Server, Socket } from 'node:net';
import { RtspServer, type PublishServerHooksConfig } from 'rtsp-streaming-server';

interface NetServerHolder {
  server: Server;
}

export interface RtspStandIn {
  /** Port ffmpeg publishes to: `rtsp://127.0.0.1:<publishPort>/<path>`. */
  publishPort: number;
  /** Port readers play from: `rtsp://127.0.0.1:<readPort>/<path>`. */
  readPort: number;
  publishUrl(path: string): string;
  readUrl(path: string): string;
  /** Paths that currently have a publisher. */
  mounts(): string[];
  /** Every DESCRIBE and PLAY a reader sent so far, with its path and User-Agent (who read what). */
  readRequests(): Array<{ method: string; path: string; userAgent: string }>;
  close(): Promise<void>;
}

async function listenLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

async function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  if (!server.listening) return;
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface RtspStandInOptions {
  /**
   * Publish auth (the package's hook): called on ANNOUNCE with the Basic credentials and the
   * request (`uri`, `socket`, `headers`); without credentials the client gets 401 first and retries.
   */
  publishAuthentication?: NonNullable<PublishServerHooksConfig['authentication']>;
}

/** Starts the stand-in on free loopback ports. */
export async function startRtspStandIn(options: RtspStandInOptions = {}): Promise<RtspStandIn> {
  // Even start port; each stream takes a pair, each reader another pair.
  const rtpPortStart = 20_000 + 2 * Math.floor(Math.random() * 10_000);
  const hooks = options.publishAuthentication ? { publishServerHooks: { authentication: options.publishAuthentication } } : {};
  const instance = new RtspServer({ serverPort: 0, clientPort: 0, rtpPortStart, rtpPortCount: 200, ...hooks });
  const publish = (instance.PublishServer as unknown as NetServerHolder).server;
  const read = (instance.ClientServer as unknown as NetServerHolder).server;
  const sockets = new Set<Socket>();
  for (const server of [publish, read]) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    // The package emits 'error' on malformed RTSP; a test server must not crash the runner for that.
    server.on('error', () => undefined);
  }
  const mounts = instance.Mounts;
  // Like mediamtx, a publisher whose RTSP connection closes without TEARDOWN (a SIGKILLed ffmpeg)
  // loses its path; the package alone would keep the stale mount and refuse the next ANNOUNCE (503).
  publish.on('request', (req: { method?: string; uri: string; socket: Socket }) => {
    if (req.method !== 'RECORD') return;
    const mount = mounts.getMount(req.uri);
    req.socket.once('close', () => {
      if (mount && mounts.getMount(req.uri) === mount) mounts.deleteMount(req.uri);
    });
  });
  const reads: Array<{ method: string; path: string; userAgent: string }> = [];
  read.on('request', (req: { method?: string; uri: string; headers?: Record<string, string | undefined> }) => {
    if (req.method !== 'DESCRIBE' && req.method !== 'PLAY') return;
    const path = /^rtsp:\/\/[^/]*(\/[^?]*)/.exec(req.uri)?.[1] ?? req.uri;
    if (reads.length < 10_000) reads.push({ method: req.method, path, userAgent: req.headers?.['user-agent'] ?? '' });
  });
  const publishPort = await listenLoopback(publish);
  const readPort = await listenLoopback(read);
  return {
    publishPort,
    readPort,
    publishUrl: (path) => `rtsp://127.0.0.1:${publishPort}/${path}`,
    readUrl: (path) => `rtsp://127.0.0.1:${readPort}/${path}`,
    mounts: () => Object.keys(mounts.mounts).filter((key) => mounts.mounts[key] !== undefined),
    readRequests: () => [...reads],
    async close() {
      // Reader sessions hold UDP sockets and a 60 s keepalive timer until closed.
      for (const wrapper of Object.values(instance.ClientServer.clients)) {
        try {
          wrapper.close();
        } catch {
          // a half-set-up session; its sockets are closed with the mount below
        }
      }
      // The package prints "Closing Client <id>" with console.log for every reader of a mount.
      const log = console.log;
      console.log = () => undefined;
      try {
        for (const key of Object.keys(mounts.mounts)) mounts.deleteMount(`rtsp://127.0.0.1${key}`);
      } finally {
        console.log = log;
      }
      await Promise.all([closeServer(publish, sockets), closeServer(read, sockets)]);
    },
  };
}
