/**
 * Who may call a route, declared on the route itself (`config: { access }`) so the gate decides on
 * the route fastify matched after decoding the URL, never on the raw request line.
 *
 * - `public`: anyone who reaches the server with an allowed Host (probes: /healthz, /readyz).
 * - `token`: the bearer token when one is configured. The default for a route that says nothing,
 *   so a route added later is protected unless it opts out.
 * - `metrics`: like `token`, unless `metrics_public` is set.
 * - `hook`: a loopback hook (mediamtx auth and on-demand) that authenticates its caller itself;
 *   the gate checks Host and cross-site headers but neither the token nor the JSON content type.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type RouteAccess = 'public' | 'token' | 'metrics' | 'hook';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time bearer check: both sides hashed to equal length first. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = match?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

/** Whether a route with `access` needs the bearer token under these settings. */
export function needsToken(access: RouteAccess, settings: { token?: string | undefined; metricsPublic: boolean }): boolean {
  if (!settings.token) return false;
  if (access === 'token') return true;
  if (access === 'metrics') return !settings.metricsPublic;
  return false;
}
