/**
 * A fastify instance for a Lookout HTTP API (gateway and detector alike), built with the limits
 * and handlers that keep every answer in the error envelope: the gate on every route, 404/405 for
 * unmatched routes, the error handler, parser-level errors (431, 408, 400) and router refusals
 * (bad `%` encoding 400, over-long segment 414). Routes are added by the caller afterwards.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../log.ts';
import { secrets } from '../redact.ts';
import { installGate } from './auth-gate.ts';
import { clientErrorHandler, frameworkErrors } from './client-errors.ts';
import { errorEnvelope, HTTP_STATUS, toHttpError } from './error-envelope.ts';
import { HostPolicy } from './host-policy.ts';
import { normalizeOrigin } from './request-guards.ts';
import { requestPath, RouteTable } from './route-table.ts';

/** The `http` settings both services share (see the `http` and `detector.http` config sections). */
export interface ApiServerSettings {
  /** The address the server binds to: it is one of the host names it answers to. */
  host: string;
  token?: string | undefined;
  metrics_public: boolean;
  allowed_origins: readonly string[];
  allowed_hosts: readonly string[];
  body_limit_bytes: number;
  /** Longest time to receive one request (headers and body) before a 408. */
  request_timeout: number;
}

/** Longest path segment the router matches (camera ids are ≤ 64); longer ones get 414. */
export const MAX_PARAM_LENGTH = 128;

/** Upper bound of `request_timeout` as applied (one hour). */
const MAX_REQUEST_TIMEOUT = 3_600_000;

export function createApiServer(settings: ApiServerSettings, logger?: Logger): FastifyInstance {
  // The token never reaches a log line or an error message, whatever path or header carried it.
  secrets.add(settings.token);
  // Bounded so the socket timers below stay far inside Node's 2^31 ms limit.
  const requestTimeout = Math.min(settings.request_timeout, MAX_REQUEST_TIMEOUT);
  const app = Fastify({
    logger: false,
    bodyLimit: settings.body_limit_bytes,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The gate answers requests during close itself (503 in the envelope, not fastify's own body).
    return503OnClosing: false,
    requestTimeout,
    // Idle keep-alive sockets are closed; long responses (demand leases) write keepalives well within this.
    connectionTimeout: Math.max(requestTimeout * 2, 10_000),
    // Node validates headersTimeout <= requestTimeout at creation, and checks them only at this interval (default 30 s).
    // A missing Host is the gate's to refuse (in the envelope), not Node's bare 400.
    http: { requestTimeout, headersTimeout: requestTimeout, connectionsCheckingInterval: Math.min(1000, requestTimeout), requireHostHeader: false },
    clientErrorHandler,
    frameworkErrors,
  });
  // JSON only: a text/plain body is refused (415) rather than silently ignored.
  app.removeContentTypeParser('text/plain');
  const routes = new RouteTable();
  routes.collect(app);
  installGate(app, {
    token: settings.token,
    metricsPublic: settings.metrics_public,
    hosts: new HostPolicy(settings.host, settings.allowed_hosts),
    allowedOrigins: new Set(settings.allowed_origins.flatMap((origin) => normalizeOrigin(origin) ?? [])),
  });
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toHttpError(error);
    if (status >= 500) logger?.warn({ method: request.method, path: requestPath(request.url).slice(0, 200), err: error }, 'http request failed');
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = requestPath(request.url);
    const methods = routes.methodsFor(request.url);
    if (methods) {
      const allowed = methods.join(', ');
      void reply
        .code(HTTP_STATUS.method_not_allowed)
        .header('allow', allowed)
        .send(errorEnvelope('method_not_allowed', `method ${request.method} is not allowed on ${path.slice(0, 200)} (allowed: ${allowed})`));
      return;
    }
    void reply.code(404).send(errorEnvelope('not_found', `no route ${request.method} ${path.slice(0, 200)}`));
  });
  return app;
}
