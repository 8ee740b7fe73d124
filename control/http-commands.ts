/**
 * HTTP adapter for the command table: `POST /api/v1/commands` with `{command, camera, id?}`.
 * It only decodes, calls and encodes; status 200 for ok, 4xx/5xx by error code. Per-camera REST
 * routes belong to the gateway's HTTP API.
 */
import type { FastifyInstance } from 'fastify';
import type { CommandTable } from './command-table.ts';
import { errorReply, type ErrorCode } from './envelope.ts';

const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  bad_json: 400,
  payload_too_large: 413,
  unknown_camera: 404,
  unknown_command: 404,
  unsupported: 501,
  conflict: 409,
  timeout: 504,
  internal: 500,
};

export interface CommandRoutesOptions {
  table: CommandTable;
}

/** Fastify plugin; register with `app.register(commandRoutes, { table })`. */
export async function commandRoutes(app: FastifyInstance, options: CommandRoutesOptions): Promise<void> {
  // Malformed JSON and oversize bodies get the same envelope as every other error.
  app.setErrorHandler((error: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    const tooLarge = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413;
    const code: ErrorCode = tooLarge ? 'payload_too_large' : error.statusCode === 400 ? 'bad_json' : 'internal';
    void reply.code(HTTP_STATUS[code]).send(errorReply(code, error.message));
  });
  app.post('/api/v1/commands', async (request, reply) => {
    const envelope = await options.table.execute(request.body);
    const status = envelope.status === 'ok' ? 200 : HTTP_STATUS[envelope.error?.code ?? 'internal'];
    return reply.code(status).send(envelope);
  });
}
