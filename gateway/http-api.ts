/**
 * The gateway's HTTP API (fastify). It only decodes, calls and encodes: every operation lives in
 * the service (`CameraOperations`), so the MQTT/NATS command table calls exactly the same code.
 *
 * - Bound to 127.0.0.1 unless configured otherwise; `/api/*` and `/metrics` need the bearer token
 *   when one is configured (compared in constant time); `/healthz` and `/readyz` stay open for probes.
 * - Every error is the JSON envelope `{status:'error', error:{code, message}}` with a fitting
 *   status: unknown camera 404 naming the id, wrong method 405, oversize body 413, bad JSON 400.
 * - Other parts (the mediamtx auth and on-demand hooks) add routes through `routes`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../common/log.ts';
import { errorEnvelope, HTTP_STATUS, toHttpError } from './http-errors.ts';

/** The per-camera operations, implemented by the gateway service. */
export interface CameraOperations {
  list(): unknown[];
  /** Throws UnknownCameraError for an id that is not configured. */
  get(id: string): unknown;
  pause(id: string): Promise<unknown>;
  resume(id: string): Promise<unknown>;
  restart(id: string): Promise<unknown>;
}

/** A route plugin another part registers on the same server, with its options. */
export interface RoutePlugin {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fastify plugins carry their own option types
  plugin: FastifyPluginAsync<any>;
  options?: Record<string, unknown>;
}

/** Extra routes: a plugin with options, or a bare plugin function. */
export type RouteInput = RoutePlugin | FastifyPluginAsync;

export interface HttpApiDeps {
  operations: CameraOperations;
  /** True once the pipelines were started and until shutdown begins. */
  ready(): boolean;
  metrics: Registry;
  token?: string | undefined;
  bodyLimit: number;
  logger?: Logger;
  routes?: RouteInput[];
}

const ACTIONS = ['pause', 'resume', 'restart'] as const;

/** Known paths and their methods, for 405 answers instead of a misleading 404. */
const ROUTE_METHODS: Array<{ pattern: RegExp; methods: string[] }> = [
  { pattern: /^\/healthz$/, methods: ['GET', 'HEAD'] },
  { pattern: /^\/readyz$/, methods: ['GET', 'HEAD'] },
  { pattern: /^\/metrics$/, methods: ['GET', 'HEAD'] },
  { pattern: /^\/api\/v1\/cameras$/, methods: ['GET', 'HEAD'] },
  { pattern: /^\/api\/v1\/cameras\/[^/]+$/, methods: ['GET', 'HEAD'] },
  { pattern: /^\/api\/v1\/cameras\/[^/]+\/(pause|resume|restart)$/, methods: ['POST'] },
];

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time bearer check: both sides hashed to equal length first. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = match?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}

function needsToken(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path.startsWith('/api/') || path === '/metrics';
}

/** Builds (does not listen) the fastify instance with the gateway routes and any extra route plugins. */
export async function buildHttpServer(deps: HttpApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit, return503OnClosing: true });
  const { operations, token, logger } = deps;
  // JSON only: a text/plain body is refused (415) rather than silently ignored.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toHttpError(error);
    if (status >= 500) logger?.warn({ method: request.method, url: request.url, err: error }, 'http request failed');
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const known = ROUTE_METHODS.find((route) => route.pattern.test(path));
    if (known) {
      void reply
        .code(HTTP_STATUS.method_not_allowed)
        .header('allow', known.methods.join(', '))
        .send(errorEnvelope('method_not_allowed', `method ${request.method} is not allowed on ${path} (allowed: ${known.methods.join(', ')})`));
      return;
    }
    void reply.code(404).send(errorEnvelope('not_found', `no route ${request.method} ${path.slice(0, 200)}`));
  });

  if (token) {
    app.addHook('onRequest', async (request, reply) => {
      if (!needsToken(request.url) || bearerMatches(request.headers.authorization, token)) return;
      await reply.code(401).header('www-authenticate', 'Bearer').send(errorEnvelope('unauthorized', 'missing or wrong bearer token'));
    });
  }

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (deps.ready()) return { status: 'ok' };
    return reply.code(503).send(errorEnvelope('unavailable', 'gateway is not ready (starting or shutting down)'));
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.metrics();
    return reply.header('content-type', deps.metrics.contentType).send(text);
  });
  app.get('/api/v1/cameras', async () => ({ status: 'ok', data: operations.list() }));
  app.get<{ Params: { id: string } }>('/api/v1/cameras/:id', async (request) => ({ status: 'ok', data: operations.get(request.params.id) }));
  for (const action of ACTIONS) {
    app.post<{ Params: { id: string } }>(`/api/v1/cameras/:id/${action}`, async (request) => {
      const id = request.params.id;
      operations.get(id); // unknown camera → 404 before anything runs
      const result = await operations[action](id);
      return { status: 'ok', data: result ?? operations.get(id) };
    });
  }

  for (const route of deps.routes ?? []) {
    if (typeof route === 'function') await app.register(route);
    else await app.register(route.plugin, route.options ?? {});
  }
  return app;
}
