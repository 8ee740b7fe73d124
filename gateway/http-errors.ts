/**
 * How gateway failures become HTTP replies: the same `{status:'error', error:{code, message}}`
 * envelope the control plane uses on MQTT/NATS, with a status chosen from the error class. Errors
 * are matched by `name`, so this module needs no import of the pipeline manager.
 */
import { secrets } from '../common/redact.ts';

export type HttpErrorCode =
  | 'bad_request'
  | 'bad_json'
  | 'unauthorized'
  | 'unknown_camera'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
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
  unknown_camera: 404,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
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

/** Fastify's own request errors (parsing, limits) by their `code`. */
const BY_FASTIFY_CODE: Record<string, HttpErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

export function errorEnvelope(code: HttpErrorCode, message: string): ErrorEnvelope {
  return { status: 'error', error: { code, message: secrets.redact(message) } };
}

/** Classifies anything thrown by a route or by fastify into a status and an envelope. */
export function toHttpError(error: unknown): { status: number; body: ErrorEnvelope } {
  const err = error as { name?: string; code?: string; statusCode?: number; message?: string };
  let code: HttpErrorCode | undefined = (err.name && BY_NAME[err.name]) || (err.code && BY_FASTIFY_CODE[err.code]) || undefined;
  if (!code && err.statusCode === 400) code = /JSON/i.test(err.message ?? '') ? 'bad_json' : 'bad_request';
  if (!code && err.statusCode === 413) code = 'payload_too_large';
  code ??= 'internal';
  const message = code === 'internal' ? `internal error: ${err.message ?? String(error)}` : (err.message ?? code);
  return { status: HTTP_STATUS[code], body: errorEnvelope(code, message) };
}
