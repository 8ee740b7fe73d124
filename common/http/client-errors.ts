/**
 * Errors that happen before fastify has a request: Node's HTTP parser (headers too large, a
 * malformed request line) and its request timeout reach `clientError` with only a socket; the
 * router's own refusals (bad percent-encoding, a path segment over `maxParamLength`) reach
 * `frameworkErrors`. Both answer in the API's envelope, then close the connection.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope, HTTP_STATUS, toHttpError, type HttpErrorCode } from './error-envelope.ts';

const BY_PARSER_CODE: Record<string, { code: HttpErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { code: 'header_too_large', message: 'request headers are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', message: 'the request was not received in time' },
  ERR_HTTP_HEADERS_TIMEOUT: { code: 'request_timeout', message: 'the request headers were not received in time' },
};

/** The raw reply for a parser-level error, or undefined when the connection is simply gone. */
export function clientErrorResponse(error: { code?: string }): string | undefined {
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return undefined;
  const known = (error.code && BY_PARSER_CODE[error.code]) || { code: 'bad_request' as const, message: 'malformed HTTP request' };
  const status = HTTP_STATUS[known.code];
  const body = JSON.stringify(errorEnvelope(known.code, known.message));
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

/** fastify `clientErrorHandler`: writes the envelope if the socket still takes it, then ends it. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  const response = socket.destroyed || !socket.writable ? undefined : clientErrorResponse(error);
  if (response === undefined) {
    socket.destroy();
    return;
  }
  socket.end(response);
}

/** fastify `frameworkErrors`: the router's refusals, in the envelope with their status. */
export function frameworkErrors(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toHttpError(error);
  void reply.code(status).header('connection', 'close').send(body);
}
