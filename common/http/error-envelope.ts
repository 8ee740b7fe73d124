/**
 * The one error-code table of every transport, and how HTTP failures become replies: one
 * `{status:'error', error:{code, message}}` envelope (the same shape the command table replies on
 * MQTT/NATS) and one table from code to HTTP status. Service errors say their own code (`readonly
 * code = 'unknown_camera'` on the class; see `errorCodeOf`), fastify's are mapped by their `FST_*`
 * code, so this module imports neither the gateway nor the detector and nothing is matched by class
 * name. Messages pass the secret registry on the way out.
 */
import { secrets } from '../redact.ts';

export type ErrorCode =
  | 'bad_request'
  | 'bad_json'
  | 'unauthorized'
  | 'forbidden'
  | 'unknown_camera'
  | 'unknown_command'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'conflict'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'unsupported_media_type'
  | 'misdirected_request'
  | 'header_too_large'
  | 'unavailable'
  | 'service_stopped'
  | 'unsupported'
  | 'timeout'
  | 'internal';

/** The HTTP servers' name for the same codes (kept for existing imports). */
export type HttpErrorCode = ErrorCode;

export interface ErrorEnvelope {
  status: 'error';
  error: { code: ErrorCode; message: string };
}

/** Code → HTTP status. The envelope code on every transport is the code itself. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  bad_json: 400,
  unauthorized: 401,
  forbidden: 403,
  unknown_camera: 404,
  unknown_command: 404,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  misdirected_request: 421,
  header_too_large: 431,
  unavailable: 503,
  service_stopped: 503,
  unsupported: 501,
  timeout: 504,
  internal: 500,
};

/** Fastify's own request errors (URL, parsing, limits) by their `code`. */
const BY_FASTIFY_CODE: Record<string, ErrorCode> = {
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

/** Fixed messages for errors whose own message would echo the request (URL, path). */
const FIXED_MESSAGE: Partial<Record<string, string>> = {
  FST_ERR_BAD_URL: 'the URL is not valid percent-encoding',
  FST_ERR_MAX_PARAM_LENGTH: 'a path segment is too long',
};

/** Status codes fastify or Node may attach without one of the codes above. */
const BY_STATUS: Partial<Record<number, ErrorCode>> = {
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'header_too_large',
};

/** True for a string that is one of the table's codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(HTTP_STATUS, value);
}

/**
 * The code a thrown service error says about itself (`error.code` when it is in the table), else
 * undefined. Node's own `code`s (`ENOENT`, …) and fastify's (`FST_*`) are never table codes.
 */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return isErrorCode(code) ? code : undefined;
}

export function errorEnvelope(code: ErrorCode, message: string): ErrorEnvelope {
  return { status: 'error', error: { code, message: secrets.redact(message) } };
}

/**
 * A command reply as every transport sends it (control/commands/envelope.ts's ReplyEnvelope,
 * structurally, so the gateway, which imports only common/, can take one too).
 */
export interface CommandReply {
  status: 'ok' | 'error';
  data?: unknown;
  error?: { code: string; message: string };
}

/**
 * The HTTP status of a command reply, for every route that answers one (`POST /api/v1/commands`,
 * the gateway's camera actions): 200 for ok, else its error code's; a missing or unknown code is
 * `internal` (500).
 */
export function replyHttpStatus(reply: CommandReply): number {
  return reply.status === 'ok' ? 200 : HTTP_STATUS[errorCodeOf(reply.error) ?? 'internal'];
}

/** Classifies anything thrown by a route or by fastify into a status and an envelope. */
export function toHttpError(error: unknown): { status: number; body: ErrorEnvelope } {
  const err = (error ?? {}) as { code?: string; statusCode?: number; message?: string };
  let code: ErrorCode | undefined = errorCodeOf(error) ?? ((err.code && BY_FASTIFY_CODE[err.code]) || undefined);
  if (!code && err.statusCode === 400) code = /JSON/i.test(err.message ?? '') ? 'bad_json' : 'bad_request';
  if (!code && err.statusCode !== undefined) code = BY_STATUS[err.statusCode];
  code ??= 'internal';
  const fixed = err.code ? FIXED_MESSAGE[err.code] : undefined;
  const message = fixed ?? (code === 'internal' ? `internal error: ${err.message ?? String(error)}` : (err.message ?? code));
  return { status: HTTP_STATUS[code], body: errorEnvelope(code, message) };
}
