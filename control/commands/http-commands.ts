/**
 * HTTP adapter for the command table: `POST /api/v1/commands` with `{command, camera, id?}`.
 * It only decodes, calls and encodes; the reply's status is the one reply → HTTP status mapping
 * (common/http/error-envelope.ts `replyHttpStatus`: 200 for ok, 4xx/5xx by error code), which the
 * gateway's per-camera REST routes use too; they call the same table.
 *
 * Access (token, cross-site and JSON-only writes) is the server's gate (`common/http/`). Framework
 * errors (415, 413, bad JSON) go through the one HTTP error table, also on a bare fastify instance.
 */
import type { FastifyInstance } from 'fastify';
import type { CommandTable } from './command-table.ts';
import { replyHttpStatus, toHttpError } from '../../common/http/error-envelope.ts';

export interface CommandRoutesOptions {
  table: CommandTable;
}

/** Fastify plugin; register with `app.register(commandRoutes, { table })`. */
export async function commandRoutes(app: FastifyInstance, options: CommandRoutesOptions): Promise<void> {
  app.setErrorHandler((error, _request, reply) => {
    const { status, body } = toHttpError(error);
    void reply.code(status).send(body);
  });
  app.post('/api/v1/commands', { config: { access: 'token' } }, async (request, reply) => {
    const envelope = await options.table.execute(request.body);
    return reply.code(replyHttpStatus(envelope)).send(envelope);
  });
}
