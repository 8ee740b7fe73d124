/**
 * The cross-site write rules. A browser lets any page send a "simple" POST (form or text/plain,
 * no preflight) to any address, including 127.0.0.1 and LAN hosts, so a state change must carry
 * something a page cannot forge without CORS approval: `Content-Type: application/json`, and no
 * `Origin`/`Sec-Fetch-Site` saying it came from somewhere else. Non-browser clients (curl, the
 * CLI, mediamtx) send neither header and pass.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { HttpErrorCode } from './error-envelope.ts';

export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface Refusal {
  code: HttpErrorCode;
  message: string;
}

/** `scheme://host[:port]` of an http(s) origin, or undefined for anything else (`null`, garbage). */
export function normalizeOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** True when `origin` is this server as reached through `authority` (the effective Host). */
function sameOrigin(origin: string, authority: string | undefined): boolean {
  if (!authority) return false;
  try {
    const url = new URL(origin);
    return url.host === new URL(`${url.protocol}//${authority}`).host;
  } catch {
    return false;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Refuses a write whose Origin is neither this server nor an allowed origin, and one that
 * `Sec-Fetch-Site` marks as cross-site or same-site (another port or subdomain) without such an
 * Origin. `authority` is the Host the request was judged by.
 */
export function crossSiteRefusal(headers: IncomingHttpHeaders, authority: string | undefined, allowedOrigins: ReadonlySet<string>): Refusal | undefined {
  const origin = header(headers, 'origin');
  const fetchSite = header(headers, 'sec-fetch-site')?.toLowerCase();
  let listed = false;
  let own = false;
  if (origin !== undefined) {
    const normalized = normalizeOrigin(origin);
    listed = normalized !== undefined && allowedOrigins.has(normalized);
    own = normalized !== undefined && sameOrigin(normalized, authority);
    if (!listed && !own) return { code: 'forbidden', message: 'cross-site request refused: Origin is not this server or an allowed origin (http.allowed_origins)' };
  }
  if (fetchSite === 'cross-site' && !listed) return { code: 'forbidden', message: 'cross-site request refused (Sec-Fetch-Site: cross-site)' };
  if (fetchSite === 'same-site' && !listed && !own) return { code: 'forbidden', message: 'cross-site request refused (Sec-Fetch-Site: same-site without an allowed Origin)' };
  return undefined;
}

/** A write must say it is JSON; forms and text/plain are what cross-site pages can send. */
export function contentTypeRefusal(headers: IncomingHttpHeaders, method: string): Refusal | undefined {
  const mediaType = (header(headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/json') return undefined;
  return {
    code: 'unsupported_media_type',
    message: `${method} needs Content-Type: application/json (send {} when there is nothing to say)`,
  };
}
