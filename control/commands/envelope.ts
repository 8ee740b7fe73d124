/**
 * The one reply envelope every transport sends back (HTTP body, MQTT response, NATS reply):
 * `{status, data?, error?: {code, message}, id?}` with the caller's request id echoed.
 */

import { secrets } from '../../common/redact.ts';
import type { ErrorCode } from '../../common/http/error-envelope.ts';

/** Machine-readable error codes: the one table in common/http/error-envelope.ts (code → HTTP status). */
export type { ErrorCode } from '../../common/http/error-envelope.ts';
export { errorCodeOf, HTTP_STATUS } from '../../common/http/error-envelope.ts';

export interface ReplyEnvelope {
  status: 'ok' | 'error';
  data?: unknown;
  error?: { code: ErrorCode; message: string };
  id?: string | number;
}

/** A command that was understood but refused; `code` goes into the reply. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isCommandError(error: unknown): error is CommandError {
  return error instanceof CommandError;
}

export function okReply(data: unknown, id?: string | number): ReplyEnvelope {
  return id === undefined ? { status: 'ok', data } : { status: 'ok', data, id };
}

export function errorReply(code: ErrorCode, message: string, id?: string | number): ReplyEnvelope {
  const reply: ReplyEnvelope = { status: 'error', error: { code, message: secrets.redact(message) } };
  if (id !== undefined) reply.id = id;
  return reply;
}

/** Pulls a usable request id out of an arbitrary (maybe invalid) payload, for echoing in errors. */
export function requestIdOf(payload: unknown): string | number | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const id = (payload as Record<string, unknown>).id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  if (typeof id === 'string' && id.length <= 128) return id;
  return undefined;
}
