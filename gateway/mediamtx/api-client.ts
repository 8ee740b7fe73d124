/**
 * A small typed client for mediamtx's Control API v3. Every call carries a deadline
 * (`AbortSignal.timeout`), every answer is validated, and failures are named errors:
 * `{status:"error", error}` → MediamtxApiError, deadline → MediamtxTimeoutError,
 * connection/parse problems → MediamtxUnavailableError.
 *
 * Every request carries the gateway's per-boot API credential as Basic auth when one is given:
 * mediamtx forwards it to the gateway's auth endpoint as user/password (shared docs/mediamtx.md §4),
 * which allows the `api` action only with it.
 *
 * Note: mediamtx logs every API error at ERROR level, so `getPath` of a missing path is not polled
 * in a loop by this client (callers use `listPaths` for sweeps).
 */
import type { z } from 'zod';
import { MediamtxApiError, MediamtxTimeoutError, MediamtxUnavailableError } from './errors.ts';
import {
  apiErrorSchema,
  apiOkSchema,
  infoSchema,
  listSchema,
  pathSchema,
  rtspSessionSchema,
  type MediamtxInfo,
  type MediamtxPath,
  type MediamtxRtspSession,
} from './api-schemas.ts';

export interface ApiClientOptions {
  /** e.g. http://127.0.0.1:9997 */
  baseUrl: string;
  timeoutMs: number;
  /** Items per page for list routes (mediamtx default 100). */
  pageSize?: number;
  /** Sent as `Authorization: Basic` on every call (the per-boot API credential). */
  credentials?: { user: string; password: string } | undefined;
}

export interface PathReadiness {
  available: boolean;
  inboundBytes: number;
  readers: number;
}

const MAX_PAGES = 1000;

export class MediamtxApiClient {
  readonly #base: string;
  readonly #headers: Record<string, string>;

  constructor(private readonly options: ApiClientOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    const credentials = options.credentials;
    this.#headers = credentials ? { authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}` } : {};
  }

  info(): Promise<MediamtxInfo> {
    return this.#call('GET', '/v3/info', infoSchema);
  }

  /** All runtime paths, following pagination. */
  listPaths(): Promise<MediamtxPath[]> {
    return this.#listAll('/v3/paths/list', pathSchema);
  }

  /** One runtime path; undefined when mediamtx answers 404 (unknown, or an idle regex path). */
  async getPath(name: string): Promise<MediamtxPath | undefined> {
    try {
      return await this.#call('GET', `/v3/paths/get/${encodePathName(name)}`, pathSchema);
    } catch (error) {
      if (error instanceof MediamtxApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Readiness of a camera's path: available, bytes received since this publish, reader count. */
  async pathReady(name: string): Promise<PathReadiness> {
    const path = await this.getPath(name);
    if (!path) return { available: false, inboundBytes: 0, readers: 0 };
    return { available: path.available, inboundBytes: path.inboundBytes, readers: path.readers.length };
  }

  listRtspSessions(): Promise<MediamtxRtspSession[]> {
    return this.#listAll('/v3/rtspsessions/list', rtspSessionSchema);
  }

  async kickRtspSession(id: string): Promise<void> {
    await this.#call('POST', `/v3/rtspsessions/kick/${encodeURIComponent(id)}`, apiOkSchema);
  }

  /** Kicks the RTSP session publishing on `path` (a stale publisher). Returns the kicked id, if any. */
  async kickPublisher(path: string): Promise<string | undefined> {
    const sessions = await this.listRtspSessions();
    const publisher = sessions.find((session) => session.path === path && session.state === 'publish');
    if (!publisher) return undefined;
    await this.kickRtspSession(publisher.id);
    return publisher.id;
  }

  async #listAll<T extends z.ZodType>(route: string, item: T): Promise<z.output<T>[]> {
    const pageSize = this.options.pageSize ?? 100;
    const schema = listSchema(item);
    const items: z.output<T>[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.#call('GET', `${route}?page=${page}&itemsPerPage=${pageSize}`, schema);
      items.push(...(result.items as z.output<T>[]));
      if (page + 1 >= result.pageCount || result.items.length === 0) return items;
    }
    throw new MediamtxUnavailableError(route, `more than ${MAX_PAGES} pages`);
  }

  async #call<T extends z.ZodType>(method: 'GET' | 'POST', route: string, schema: T): Promise<z.output<T>> {
    const label = `${method} ${route.split('?')[0]}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.#base}${route}`, { method, headers: this.#headers, signal: AbortSignal.timeout(this.options.timeoutMs) });
      text = await response.text();
    } catch (error) {
      if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new MediamtxTimeoutError(label, this.options.timeoutMs);
      }
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new MediamtxUnavailableError(label, cause?.code ?? (error as Error).message, { cause: error });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (!response.ok) throw new MediamtxApiError(response.status, text.slice(0, 200), label);
      throw new MediamtxUnavailableError(label, `answer is not JSON (HTTP ${response.status})`);
    }
    if (!response.ok) {
      const error = apiErrorSchema.safeParse(body);
      throw new MediamtxApiError(response.status, error.success ? error.data.error : text.slice(0, 200), label);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const where = parsed.error.issues[0];
      throw new MediamtxUnavailableError(label, `unexpected answer shape at ${where?.path.join('.') || '(root)'}: ${where?.message ?? ''}`);
    }
    return parsed.data;
  }
}

/** Path names may contain `/` (the route is a catch-all), so only each segment is escaped. */
function encodePathName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
