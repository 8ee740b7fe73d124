/**
 * Helpers for gateway tests that run the real thing: a config object for testsrc cameras publishing
 * into the RTSP stand-in, a temp state dir, an HTTP client for the API, a frame reader (real
 * ffmpeg), and polling with a deadline. Everything here cleans up after itself.
 */
import { freePort } from './free-port.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { parseConfig } from '../../common/config/load.ts';
import type { LookoutConfig, LookoutConfigInput } from '../../common/config/schema.ts';

/** Resolves once `check()` is true, or throws naming `what` after `deadlineMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, deadlineMs: number, what: string): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
}


export interface TempDir {
  path: string;
  remove(): void;
}

export function tempDir(prefix = 'lookout-gw-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A config for tests: given cameras, fast timeouts, HTTP on a free port, publishing over UDP. */
export function testConfig(input: LookoutConfigInput & { stateDir: string; publishUrl: string }): LookoutConfig {
  const { stateDir, publishUrl, ...rest } = input;
  return parseConfig(
    {
      log_level: 'warn',
      state_dir: stateDir,
      shutdown_timeout: '5s',
      ...rest,
      http: { port: 0, ...rest.http },
      mediamtx: { enabled: false, ...rest.mediamtx },
      pipelines: {
        stop_grace: '1s',
        backoff_initial: '200ms',
        backoff_max: '1s',
        publish_url: publishUrl,
        publish_transport: 'udp',
        ...rest.pipelines,
      },
    },
    { env: {} },
  );
}

/** A small cheap test-pattern camera. */
export function testsrcCamera(id: string, extra: Record<string, unknown> = {}) {
  return { id, source: 'testsrc://?size=160x120&rate=10&objects=1', video: 'h264' as const, ...extra };
}

export interface ApiReply {
  status: number;
  body: { status?: string; data?: unknown; error?: { code: string; message: string } } & Record<string, unknown>;
  headers: Headers;
}

/** Calls the gateway API; `body` is sent raw (string) or as JSON; a write without one sends `{}` (the API takes JSON only). */
export async function api(
  port: number,
  method: string,
  path: string,
  options: { body?: string | object; token?: string; contentType?: string } = {},
): Promise<ApiReply> {
  const headers: Record<string, string> = { connection: 'close' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  const sent = options.body ?? (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? {} : undefined);
  if (sent !== undefined) {
    body = typeof sent === 'string' ? sent : JSON.stringify(sent);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let parsed: ApiReply['body'];
  try {
    parsed = JSON.parse(text) as ApiReply['body'];
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/** Reads `frames` video frames from an RTSP URL over UDP with real ffmpeg; resolves with the decoded count. */
export async function readFrames(url: string, frames = 3, timeoutMs = 20_000): Promise<number> {
  const result = await execa('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', '-rtsp_transport', 'udp', '-timeout', '5000000', '-i', url, '-frames:v', String(frames), '-f', 'null', '-'], {
    timeout: timeoutMs,
    reject: false,
    killSignal: 'SIGKILL',
  });
  const counts = [...result.stdout.matchAll(/^frame=(\d+)$/gm)].map((match) => Number(match[1]));
  return counts.length > 0 ? Math.max(...counts) : 0;
}

/** A free loopback TCP port. */
export const freeTcpPort = freePort;
