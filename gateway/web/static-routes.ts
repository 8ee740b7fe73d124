/**
 * The web page's files (`web/dist/`, built from `web/src/` by page-bundle.ts and committed, so an
 * offline box needs no build step and no CDN) at `/`, `/app.js` and `/app.css`. They are public
 * routes (the page holds no data; it asks the token-protected API for everything) and carry strict
 * security headers: a CSP without inline script, no sniffing, no referrer, no framing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { packagePath } from '../../common/package-root.ts';

export const WEB_DIST_DIR = packagePath('web', 'dist');

/** The page's files and their content types; nothing else under web/dist is served. */
export const PAGE_FILES = [
  { route: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: '/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { route: '/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
] as const;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  // Revalidate each load so an upgraded box serves its new page at once.
  'cache-control': 'no-cache',
};

/** Route config for the HTTP gate (common/http/access.ts): the page's files need no token. */
const PUBLIC_ROUTE = { access: 'public' as const };

export interface StaticRoutesOptions {
  /** Where the built files are (default web/dist in this checkout). */
  dir?: string;
}

export async function staticRoutes(app: FastifyInstance, options: StaticRoutesOptions): Promise<void> {
  const dir = options.dir ?? WEB_DIST_DIR;
  for (const page of PAGE_FILES) {
    // Read once at start: a few KB, and a missing build shows at start, not on the first visit.
    const body = readFileSync(join(dir, page.file));
    app.get(page.route, { config: PUBLIC_ROUTE }, async (_request, reply) => reply.headers(SECURITY_HEADERS).type(page.type).send(body));
  }
}
