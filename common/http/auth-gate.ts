/**
 * The one gate in front of every route of a server, as a fastify `onRequest` hook added before any
 * route: it runs after the router matched (and decoded) the path, so `%61pi`, absolute-form
 * targets and other spellings of a protected route meet the same check as the plain one.
 *
 * Order: shutting down (503), Host (421, every request, also unmatched ones) → unmatched routes go on to 404/405
 * untouched → the route's declared access (401 without the token) → writes: cross-site headers
 * (403) and, except for self-authenticating hooks, `Content-Type: application/json` (415).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerMatches, needsToken } from './access.ts';
import { errorEnvelope, HTTP_STATUS } from './error-envelope.ts';
import { absoluteAuthority, type HostPolicy } from './host-policy.ts';
import { contentTypeRefusal, crossSiteRefusal, WRITE_METHODS, type Refusal } from './request-guards.ts';

export interface GateSettings {
  token?: string | undefined;
  metricsPublic: boolean;
  hosts: HostPolicy;
  /** Normalized `scheme://host[:port]` origins allowed to write. */
  allowedOrigins: ReadonlySet<string>;
}

const SHUTTING_DOWN: Refusal = { code: 'unavailable', message: 'the server is shutting down' };
const NO_HOST: Refusal = { code: 'bad_request', message: 'an HTTP/1.1 request needs a Host header' };
const MISDIRECTED: Refusal = { code: 'misdirected_request', message: 'this server does not answer to that host name (http.allowed_hosts)' };

function refuse(reply: FastifyReply, refusal: Refusal): FastifyReply {
  return reply.code(HTTP_STATUS[refusal.code]).header('connection', 'close').send(errorEnvelope(refusal.code, refusal.message));
}

/** The Host a request is judged by (an absolute target's authority wins, RFC 9112 §3.2.2), or a refusal. */
function judgeHost(request: FastifyRequest, hosts: HostPolicy): { authority: string | undefined } | Refusal {
  const hostHeader = request.headers.host;
  if (hostHeader !== undefined && !hosts.allows(hostHeader)) return MISDIRECTED;
  const absolute = absoluteAuthority(request.raw.url ?? '/');
  if (hostHeader === undefined && !absolute && request.raw.httpVersion === '1.1') return NO_HOST;
  if (!absolute) return { authority: hostHeader };
  if (absolute.authority === undefined || !hosts.allows(absolute.authority)) return MISDIRECTED;
  return { authority: absolute.authority };
}

/** Adds the gate; call on the root instance before registering routes. */
export function installGate(app: FastifyInstance, settings: GateSettings): void {
  // Requests still arriving on open connections while the server closes: 503 in the envelope.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (closing) return refuse(reply, SHUTTING_DOWN);
    const host = judgeHost(request, settings.hosts);
    if ('code' in host) return refuse(reply, host);
    if (request.is404) return undefined;
    const access = request.routeOptions.config.access ?? 'token';
    if (needsToken(access, settings) && !bearerMatches(request.headers.authorization, settings.token ?? '')) {
      return reply.code(401).header('www-authenticate', 'Bearer').send(errorEnvelope('unauthorized', 'missing or wrong bearer token'));
    }
    if (!WRITE_METHODS.has(request.method)) return undefined;
    const refusal = crossSiteRefusal(request.headers, host.authority, settings.allowedOrigins) ?? (access === 'hook' ? undefined : contentTypeRefusal(request.headers, request.method));
    return refusal ? refuse(reply, refusal) : undefined;
  });
}
