/**
 * The page's only door to the gateway: same-origin fetches with a deadline, JSON writes (the
 * gateway refuses cross-site and non-JSON writes), the bearer token when the box has one (kept in
 * sessionStorage: gone when the tab closes, never in a URL or a cookie), and the envelope
 * `{status, data | error:{code, message}}` unwrapped into data or an ApiError.
 */
const TOKEN_KEY = 'lookout.token';
const DEADLINE_MS = 8000;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The gateway wants a token (401): the page shows its login form. */
export class AuthRequiredError extends ApiError {}

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = storedToken();
  if (token) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers, credentials: 'same-origin', cache: 'no-store', signal: AbortSignal.timeout(DEADLINE_MS) });
  if (response.status === 401) {
    await response.body?.cancel();
    throw new AuthRequiredError(401, 'unauthorized', token ? 'the token was not accepted' : 'this box needs its API token');
  }
  return response;
}

async function unwrap<T>(response: Response): Promise<T> {
  let body: { status?: string; data?: unknown; error?: { code?: string; message?: string } } | undefined;
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiError(response.status, 'bad_response', `HTTP ${response.status} without a JSON body`);
  }
  if (body?.status === 'ok') return body.data as T;
  throw new ApiError(response.status, body?.error?.code ?? 'error', body?.error?.message ?? `HTTP ${response.status}`);
}

export async function getJson<T>(path: string): Promise<T> {
  return unwrap<T>(await send(path, { headers: { accept: 'application/json' } }));
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return unwrap<T>(await send(path, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) }));
}

/** A JPEG as a blob, or the reason there is none (409 paused / no frame yet, 404, gateway errors). */
export async function getImage(path: string): Promise<{ blob: Blob } | { error: ApiError }> {
  const response = await send(path, { headers: { accept: 'image/jpeg' } });
  if (response.ok && (response.headers.get('content-type') ?? '').startsWith('image/')) return { blob: await response.blob() };
  try {
    await unwrap(response);
    return { error: new ApiError(response.status, 'bad_response', 'not an image') };
  } catch (error) {
    return { error: error instanceof ApiError ? error : new ApiError(response.status, 'error', String(error)) };
  }
}
