/**
 * The gateway's HTTP API (fastify). It only decodes, calls and encodes. Reads come from the service
 * (`CameraOperations`); `POST /api/v1/cameras/:id/{pause,resume,restart}` are thin adapters onto
 * the command executor — the control plane's command table, the same route MQTT, NATS and
 * `/api/v1/commands` take — so there is one queue, one error-code table, one reply → HTTP status
 * mapping (common/http/error-envelope.ts `replyHttpStatus`) and one state publication.
 *
 * - The server comes from `common/http/api-server.ts`: bound to 127.0.0.1 unless configured
 *   otherwise, Host allow-list, one gate deciding on the matched route's `access` (`/healthz`,
 *   `/readyz` public; `/metrics` per `http.metrics_public`; the API and any route a plugin adds
 *   without saying otherwise need the token), cross-site writes refused, JSON-only writes.
 * - Every error is the JSON envelope `{status:'error', error:{code, message}}` with the status of
 *   its code: unknown camera 404 naming the id, wrong method 405, oversize body 413, bad JSON 400.
 * - Other parts (the mediamtx auth and on-demand hooks, the control plane) add routes through
 *   `routes`; a loopback hook declares `config: { access: 'hook' }` and authenticates itself.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../common/log.ts';
import { createApiServer, type ApiServerSettings } from '../common/http/api-server.ts';
import { errorCodeOf, errorEnvelope, replyHttpStatus, type CommandReply } from '../common/http/error-envelope.ts';

export type { CommandReply } from '../common/http/error-envelope.ts';

/** The per-camera reads, implemented by the gateway service. */
export interface CameraOperations {
  list(): unknown[];
  /** Throws UnknownCameraError for an id that is not configured. */
  get(id: string): unknown;
}

/** Runs `{command, camera}` and always resolves to a reply (the control plane's CommandTable). */
export interface CommandExecutor {
  execute(payload: { command: string; camera: string }, transport?: 'http'): Promise<CommandReply>;
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
  /** Where the camera action routes go (the command table). */
  commands: CommandExecutor;
  /** True once the pipelines were started and until shutdown begins. */
  ready(): boolean;
  metrics: Registry;
  /** The `http` config section (token, allow-lists, limits). */
  http: ApiServerSettings;
  logger?: Logger;
  routes?: RouteInput[];
}

const ACTIONS = ['pause', 'resume', 'restart'] as const;

/** Builds (does not listen) the fastify instance with the gateway routes and any extra route plugins. */
export async function buildHttpServer(deps: HttpApiDeps): Promise<FastifyInstance> {
  const app = createApiServer(deps.http, deps.logger);
  const { operations, commands } = deps;

  app.get('/healthz', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'public' } }, async (_request, reply) => {
    if (deps.ready()) return { status: 'ok' };
    return reply.code(503).send(errorEnvelope('unavailable', 'gateway is not ready (starting or shutting down)'));
  });
  app.get('/metrics', { config: { access: 'metrics' } }, async (_request, reply) => {
    const text = await deps.metrics.metrics();
    return reply.header('content-type', deps.metrics.contentType).send(text);
  });
  app.get('/api/v1/cameras', async () => ({ status: 'ok', data: operations.list() }));
  app.get<{ Params: { id: string } }>('/api/v1/cameras/:id', async (request) => ({ status: 'ok', data: operations.get(request.params.id) }));
  for (const action of ACTIONS) {
    app.post<{ Params: { id: string } }>(`/api/v1/cameras/:id/${action}`, async (request, reply) => {
      const id = request.params.id;
      const result = await commands.execute({ command: `stream.${action}`, camera: id }, 'http');
      if (result.status === 'ok') return { status: 'ok', data: operations.get(id) };
      const code = errorCodeOf(result.error) ?? 'internal';
      return reply.code(replyHttpStatus(result)).send(errorEnvelope(code, result.error?.message ?? code));
    });
  }

  for (const route of deps.routes ?? []) {
    if (typeof route === 'function') await app.register(route);
    else await app.register(route.plugin, route.options ?? {});
  }
  return app;
}
