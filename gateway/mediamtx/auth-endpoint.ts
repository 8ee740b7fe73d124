/**
 * Fastify plugin for POST /mediamtx/auth, the `authHTTPAddress` mediamtx calls for every publish,
 * read, API and metrics request. 2xx allows, anything else denies (mediamtx §4), so every failure
 * path here (bad JSON, oversize body, unknown field, unknown path) ends in a non-2xx deny.
 *
 * Decisions are logged with action, path, protocol, ip, user and reason; never password, token or
 * query (the query may carry `?token=`). A prom-client counter has the labels action/result only.
 */
import type { FastifyInstance, FastifyError } from 'fastify';
import type { Logger } from 'pino';
import { Counter, register as defaultRegistry, type Registry } from 'prom-client';
import { AuthPolicy, authRequestSchema, isLoopback, type AuthPolicyOptions } from './auth-policy.ts';

export interface AuthEndpointOptions extends AuthPolicyOptions {
  logger: Logger;
  registry?: Registry;
  /** Largest body accepted; mediamtx's bodies are small. Default 16 KiB. */
  bodyLimit?: number;
  /**
   * Called before a publish is allowed, on a credential's first use only. A fresh credential means
   * the gateway just started a new child for this path (each issue() rotates the secret), so a
   * publisher still on the path is stale and, with `overridePublisher: false`, would make the new one fail: the integration
   * kicks it here (bounded by the API deadline; a failure is logged and the publish still allowed).
   */
  beforePublish?: (path: string) => Promise<void>;
}

const COUNTER_NAME = 'lookout_mediamtx_auth_decisions_total';

function decisionCounter(registry: Registry): Counter<'action' | 'result'> {
  const existing = registry.getSingleMetric(COUNTER_NAME);
  if (existing) return existing as Counter<'action' | 'result'>;
  return new Counter({
    name: COUNTER_NAME,
    help: 'mediamtx HTTP auth decisions by action (publish/read/api/metrics/...) and result (allow/deny)',
    labelNames: ['action', 'result'],
    registers: [registry],
  });
}

export async function mediamtxAuthPlugin(app: FastifyInstance, options: AuthEndpointOptions): Promise<void> {
  const policy = new AuthPolicy(options);
  const counter = decisionCounter(options.registry ?? defaultRegistry);
  const log = options.logger.child({ component: 'mediamtx-auth' });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const status = error.statusCode === 413 ? 413 : error.statusCode === 415 ? 415 : 400;
    counter.inc({ action: 'invalid', result: 'deny' });
    log.warn({ status, code: error.code }, 'mediamtx auth request rejected');
    void reply.code(status).send({ allow: false, error: status === 413 ? 'body too large' : 'bad request' });
  });

  app.post('/mediamtx/auth', { bodyLimit: options.bodyLimit ?? 16_384, config: { access: 'hook' } }, async (request, reply) => {
    if (!isLoopback(request.socket.remoteAddress ?? '')) {
      counter.inc({ action: 'invalid', result: 'deny' });
      return reply.code(403).send({ allow: false, error: 'auth endpoint is for the local mediamtx only' });
    }
    const parsed = authRequestSchema.safeParse(request.body);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : issue.path.join('.')));
      counter.inc({ action: 'invalid', result: 'deny' });
      log.warn({ fields }, 'mediamtx auth body does not match the v1.20.1 shape: denied');
      return reply.code(400).send({ allow: false, error: `unexpected body (fields: ${fields.join(', ')})` });
    }
    const body = parsed.data;
    const decision = await policy.decide(body);
    if (decision.firstPublish === true && options.beforePublish) {
      await options.beforePublish(body.path).catch((error: unknown) => log.warn({ path: body.path, error: (error as Error).message }, 'could not clear a stale publisher'));
    }
    counter.inc({ action: body.action, result: decision.allow ? 'allow' : 'deny' });
    const fields = { action: body.action, path: body.path, protocol: body.protocol, ip: body.ip, user: body.user, reason: decision.reason };
    if (decision.allow) log.debug(fields, 'mediamtx auth allowed');
    else if (decision.status === 401) log.debug(fields, 'mediamtx auth: credentials requested');
    else log.info(fields, 'mediamtx auth denied');
    return reply.code(decision.status).send({ allow: decision.allow });
  });
}
