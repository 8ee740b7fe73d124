/**
 * How the gateway answers for the detector: a detector answer passes through (JSON or JPEG), with
 * a non-envelope error body rewritten into the one envelope `{status:'error', error:{code, message}}`
 * the page and every client read; a failure to reach it becomes 502 (unreachable, oversize) or 504
 * (too slow). Kept apart from the routes so each reply rule is stated once.
 */
import type { FastifyReply } from 'fastify';
import type { DetectorResult } from './detector-client.ts';

export type ProxyErrorCode = 'bad_request' | 'not_found' | 'unknown_camera' | 'conflict' | 'bad_gateway' | 'timeout' | 'internal';

export interface ProxyErrorEnvelope {
  status: 'error';
  error: { code: ProxyErrorCode | string; message: string };
}

export function proxyError(code: ProxyErrorCode, message: string): ProxyErrorEnvelope {
  return { status: 'error', error: { code, message } };
}

const STATUS_CODE: Record<number, ProxyErrorCode> = { 400: 'bad_request', 404: 'not_found', 409: 'conflict', 504: 'timeout' };

/** The detector's error body as an envelope (its old routes send `error` as a string; fastify's 404 has none). */
function envelopeOf(status: number, body: Buffer, what: string): ProxyErrorEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const error = (parsed as { error?: unknown } | undefined)?.error;
  if (error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string' && typeof (error as { message?: unknown }).message === 'string') {
    const { code, message } = error as { code: string; message: string };
    return { status: 'error', error: { code, message } };
  }
  const code = STATUS_CODE[status] ?? (status >= 500 ? 'bad_gateway' : 'bad_request');
  const message = typeof error === 'string' ? error : status === 404 ? `the detector has no ${what}` : `the detector answered ${status} for ${what}`;
  return proxyError(code, message);
}

/** Sends a detector result: the answer as it came (errors as envelopes), or 502/504. */
export function sendDetectorResult(reply: FastifyReply, result: DetectorResult, what: string, cacheControl = 'no-store'): FastifyReply {
  void reply.header('x-content-type-options', 'nosniff');
  if (!result.ok) {
    const status = result.kind === 'timeout' ? 504 : 502;
    return reply.code(status).send(proxyError(result.kind === 'timeout' ? 'timeout' : 'bad_gateway', result.message));
  }
  if (result.status >= 400) return reply.code(result.status).header('cache-control', 'no-store').send(envelopeOf(result.status, result.body, what));
  return reply.code(result.status).header('cache-control', cacheControl).type(result.contentType).send(result.body);
}

/** True when the answer means "the detector does not serve this route (yet)": fall back locally. */
export function isMissingRoute(result: DetectorResult): boolean {
  if (!result.ok) return result.kind === 'unreachable';
  if (result.status !== 404) return false;
  // fastify's own not-found body names the route; a detector 404 envelope is a real answer.
  return /"message":"Route [A-Z]+:/.test(result.body.toString('utf8').slice(0, 300));
}
