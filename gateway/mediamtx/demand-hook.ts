/**
 * The demand hook: what `lookout demand <camera>` runs when mediamtx starts a path's runOnDemand.
 *
 * It asks the gateway for a lease (demand-endpoint.ts) and holds the connection open until:
 * - SIGINT/SIGTERM (mediamtx sends SIGINT to the hook's group and waits with no limit, §6.3):
 *   close the connection (= release) and resolve at once → exit 0;
 * - refusal (404/409/...): resolve at once → non-zero;
 * - the gateway goes away (connection ends/errors, or no keepalive for keepaliveMs) → non-zero;
 * - mediamtx died (our parent changed: hooks are orphaned when mediamtx is SIGKILLed, §6.3) → non-zero.
 * Nothing here can block the exit: no pending write, every timer cleared, every listener removed.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { DEMAND_SECRET_HEADER } from './boot-secrets.ts';

export const EXIT = { released: 0, refused: 2, gatewayGone: 3, parentGone: 4, usage: 64 } as const;

export interface DemandHookOptions {
  camera: string;
  gatewayUrl: string;
  /** Deadline for the gateway's first answer. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** The gateway's per-boot demand secret (read from LOOKOUT_DEMAND_SECRET_FILE by the CLI). */
  secret: string;
  /** Optional bearer token (LOOKOUT_HTTP_TOKEN) for a gateway that requires one. */
  token?: string | undefined;
  /** Interval of the parent-death check. Default 500 ms. */
  parentCheckMs?: number;
  /** Status lines (stderr in the CLI; mediamtx copies hook stderr into its log). */
  report?: (line: string) => void;
}

/** Runs the hook until one of the ends above; resolves with the process exit code. */
export function runDemandHook(options: DemandHookOptions): Promise<number> {
  const report = options.report ?? (() => undefined);
  const url = new URL(`/mediamtx/demand/${encodeURIComponent(options.camera)}`, options.gatewayUrl);
  const originalParent = process.ppid;
  return new Promise<number>((resolve) => {
    let finished = false;
    let keepaliveTimer: NodeJS.Timeout | undefined;
    const headers: Record<string, string> = { accept: 'application/x-ndjson', [DEMAND_SECRET_HEADER]: options.secret };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    // Created first (nothing is sent before end()), so every path below can destroy it.
    const request: ClientRequest = httpRequest(url, { method: 'POST', headers, agent: false });
    const connectTimer = setTimeout(() => finish(EXIT.gatewayGone, `no answer from ${url.origin} within ${options.connectTimeoutMs ?? 5000} ms`), options.connectTimeoutMs ?? 5000);
    const parentTimer = setInterval(() => {
      if (process.ppid !== originalParent) finish(EXIT.parentGone, 'parent (mediamtx) is gone; releasing the lease');
    }, options.parentCheckMs ?? 500);
    const onSignal = (signal: NodeJS.Signals) => finish(EXIT.released, `${signal}: lease released`);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    function finish(code: number, why: string): void {
      if (finished) return;
      finished = true;
      clearTimeout(connectTimer);
      clearTimeout(keepaliveTimer);
      clearInterval(parentTimer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      request.destroy();
      report(`lookout demand ${options.camera}: ${why}`);
      resolve(code);
    }

    request.on('error', (error: NodeJS.ErrnoException) => finish(EXIT.gatewayGone, `gateway unreachable (${error.code ?? error.message})`));
    request.on('response', (response: IncomingMessage) => {
      clearTimeout(connectTimer);
      if (response.statusCode !== 200) {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (body.length < 1000) body += chunk;
        });
        response.on('end', () => finish(EXIT.refused, `refused (HTTP ${response.statusCode}): ${body.trim().slice(0, 300)}`));
        response.on('error', () => finish(EXIT.refused, `refused (HTTP ${response.statusCode})`));
        return;
      }
      let keepaliveMs = 2000;
      let buffered = '';
      const arm = () => {
        clearTimeout(keepaliveTimer);
        keepaliveTimer = setTimeout(() => finish(EXIT.gatewayGone, `no keepalive from the gateway for ${keepaliveMs} ms`), keepaliveMs);
      };
      arm();
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffered = (buffered + chunk).slice(-4096);
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          try {
            const message = JSON.parse(line) as { type?: string; keepaliveMs?: number; lease?: string };
            if (message.type === 'granted') {
              if (typeof message.keepaliveMs === 'number' && message.keepaliveMs > 0) keepaliveMs = message.keepaliveMs;
              report(`lookout demand ${options.camera}: lease ${message.lease ?? '?'} granted`);
            }
          } catch {
            // Not a protocol line; still proof the gateway is alive.
          }
        }
        arm();
      });
      response.on('end', () => finish(EXIT.gatewayGone, 'gateway ended the lease'));
      response.on('error', () => finish(EXIT.gatewayGone, 'gateway connection lost'));
      response.on('close', () => finish(EXIT.gatewayGone, 'gateway connection closed'));
    });
    request.end();
  });
}
