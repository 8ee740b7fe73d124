/**
 * The gateway's client for the detector's loopback HTTP API, so the web page has one origin. Every
 * call has a deadline and a response size bound; a refused connection, a timeout, an oversize or
 * unexpected answer all come back as a `DetectorFailure` value (never a throw), which the proxy
 * turns into a 502/504 envelope. Callers pass a path they built from validated parts only.
 */
import type { LookoutConfig } from '../../common/config/schema.ts';

export interface DetectorClientOptions {
  /** `http://host:port` of the detector's API. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer` when the detector's API has one. */
  token?: string | undefined;
  /** Deadline of one call, connect to last byte. */
  timeoutMs?: number;
  /** Largest body accepted; a bigger answer is dropped (502). */
  maxBytes?: number;
}

export interface DetectorAnswer {
  ok: true;
  status: number;
  contentType: string;
  body: Buffer;
}

export interface DetectorFailure {
  ok: false;
  /** unreachable: nothing listens / connection broke; timeout: the deadline passed; too_large: over maxBytes. */
  kind: 'unreachable' | 'timeout' | 'too_large';
  message: string;
}

export type DetectorResult = DetectorAnswer | DetectorFailure;

/** Contents the proxy passes on; anything else from the detector is refused. */
const ALLOWED_TYPES = /^(application\/json|image\/jpeg)\b/i;

export const DEFAULT_DETECTOR_TIMEOUT_MS = 5000;
export const DEFAULT_DETECTOR_MAX_BYTES = 8 * 1024 * 1024;

/** The detector's address as the gateway reaches it (a wildcard bind is reached on loopback). */
export function detectorBaseUrl(config: LookoutConfig): string {
  const { host, port } = config.detector.http;
  const reach = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' || host === '[::]' ? '[::1]' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${reach}:${port}`;
}

export class DetectorClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(options: DetectorClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_DETECTOR_TIMEOUT_MS;
    this.#maxBytes = options.maxBytes ?? DEFAULT_DETECTOR_MAX_BYTES;
  }

  get(path: string, timeoutMs?: number): Promise<DetectorResult> {
    return this.#call('GET', path, timeoutMs);
  }

  /** POSTs `{}` as JSON (the detector's pause/resume take no body). */
  post(path: string, timeoutMs?: number): Promise<DetectorResult> {
    return this.#call('POST', path, timeoutMs);
  }

  async #call(method: 'GET' | 'POST', path: string, timeoutMs = this.#timeoutMs): Promise<DetectorResult> {
    if (!path.startsWith('/api/v1/')) throw new Error(`detector path must start with /api/v1/: ${path.slice(0, 80)}`);
    const signal = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json, image/jpeg' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (method === 'POST') headers['content-type'] = 'application/json';
    try {
      const response = await fetch(`${this.baseUrl}${path}`, { method, headers, signal, redirect: 'manual', ...(method === 'POST' ? { body: '{}' } : {}) });
      const contentType = response.headers.get('content-type') ?? '';
      const declared = Number(response.headers.get('content-length') ?? '0');
      if (declared > this.#maxBytes) {
        await response.body?.cancel();
        return this.#tooLarge();
      }
      const body = await readBounded(response, this.#maxBytes);
      if (!body) return this.#tooLarge();
      if (!ALLOWED_TYPES.test(contentType)) {
        return { ok: false, kind: 'unreachable', message: `the detector answered ${method} ${path.split('?')[0]} with ${response.status} and an unexpected content type` };
      }
      return { ok: true, status: response.status, contentType, body };
    } catch (error) {
      if (signal.aborted) return { ok: false, kind: 'timeout', message: `the detector did not answer within ${timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { ok: false, kind: 'unreachable', message: `the detector is not reachable at ${this.baseUrl}${cause ? ` (${cause})` : ''}` };
    }
  }

  #tooLarge(): DetectorFailure {
    return { ok: false, kind: 'too_large', message: `the detector's answer is larger than ${this.#maxBytes} bytes` };
  }
}

/** The body, or undefined as soon as it passes `maxBytes` (the rest is not read). */
async function readBounded(response: Response, maxBytes: number): Promise<Buffer | undefined> {
  if (!response.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, size);
}
