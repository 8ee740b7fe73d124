/**
 * How HTTP failures become replies, for both services: one `{status:'error', error:{code, message}}`
 * envelope (the shape the control plane uses on MQTT/NATS) and one table from error to status.
 * Service errors are matched by class `name` and fastify's own by `code`, so this module imports
 * neither the pipeline manager nor the detector. Messages pass the secret registry on the way out.
 */
import { secrets } from '../redact.ts';

export type HttpErrorCode =
  | 'bad_request'
  | 'bad_json'
  | 'unauthorized'
  | 'forbidden'
  | 'unknown_camera'
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
  | 'timeout'
  | 'internal';

export interface ErrorEnvelope {
  status: 'error';
  error: { code: HttpErrorCode; message: string };
}

export const HTTP_STATUS: Record<HttpErrorCode, number> = {
  bad_request: 400,
  bad_json: 400,
  unauthorized: 401,
  forbidden: 403,
  unknown_camera: 404,
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
  timeout: 504,
  internal: 500,
};

/** Service error class name → reply code. */
const BY_NAME: Record<string, HttpErrorCode> = {
  UnknownCameraError: 'unknown_camera',
  SlotsExhaustedError: 'conflict',
  ShuttingDownError: 'unavailable',
  StartTimeoutError: 'timeout',
  PipelineStartError: 'unavailable',
  CameraPausedError: 'conflict',
  CommandSupersededError: 'conflict',
  StateDirInUseError: 'conflict',
};

/** Fastify's own request errors (URL, parsing, limits) by their `code`. */
const BY_FASTIFY_CODE: Record<string, HttpErrorCode> = {
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
const BY_STATUS: Partial<Record<number, HttpErrorCode>> = {
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'header_too_large',
};

export function errorEnvelope(code: HttpErrorCode, message: string): ErrorEnvelope {
  return { status: 'error', error: { code, message: secrets.redact(message) } };
}

/** Classifies anything thrown by a route or by fastify into a status and an envelope. */
export function toHttpError(error: unknown): { status: number; body: ErrorEnvelope } {
  const err = (error ?? {}) as { name?: string; code?: string; statusCode?: number; message?: string };
  let code: HttpErrorCode | undefined = (err.name && BY_NAME[err.name]) || (err.code && BY_FASTIFY_CODE[err.code]) || undefined;
  if (!code && err.statusCode === 400) code = /JSON/i.test(err.message ?? '') ? 'bad_json' : 'bad_request';
  if (!code && err.statusCode !== undefined) code = BY_STATUS[err.statusCode];
  code ??= 'internal';
  const fixed = err.code ? FIXED_MESSAGE[err.code] : undefined;
  const message = fixed ?? (code === 'internal' ? `internal error: ${err.message ?? String(error)}` : (err.message ?? code));
  return { status: HTTP_STATUS[code], body: errorEnvelope(code, message) };
}
