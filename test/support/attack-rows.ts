/**
 * The rows of the HTTP attack table (test/http-attack-table.test.ts), shared by the gateway and
 * the detector: each row is a raw HTTP message built for one server and mode, with the status and
 * envelope code expected with a token configured (`token`) and without one (`open`, the default).
 * A row without an expectation for a mode is not run in that mode. `write` rows aim at a state
 * change: after a refusal the camera must be untouched, after an acceptance it must have changed.
 */
import { message } from './raw-http.ts';

export type Mode = 'token' | 'open';
/** Status and envelope code; `ok` = `{status:'ok'}` body, null = body not checked (metrics text, probes). */
export type Expect = readonly [status: number, code: string | null];

export interface RowContext {
  port: number;
  mode: Mode;
  token: string;
}

export interface Row {
  name: string;
  write: boolean;
  build(ctx: RowContext): string;
  expect: Partial<Record<Mode, Expect>>;
}

/** The server's paths: the camera list, one camera, and the pause command for camera `cam1`. */
export interface ServerPaths {
  /** `/api/v1/cameras` or `/api/v1/detect/cameras` */
  list: string;
  /** What a good 200 read of the list answers: 'ok' when wrapped in the ok-envelope, else null. */
  listOk: 'ok' | null;
}

interface RequestOptions {
  auth?: boolean;
  json?: boolean;
  body?: string;
  headers?: Array<[string, string]>;
  /** Host header value; null = none. Default: 127.0.0.1:<port>. */
  host?: string | null;
}

/** A request message for `ctx`: Host, optional bearer (token mode only), optional JSON `{}` body. */
export function req(ctx: RowContext, method: string, target: string, options: RequestOptions = {}): string {
  const headers: Array<[string, string]> = [];
  const host = options.host === undefined ? `127.0.0.1:${ctx.port}` : options.host;
  if (host !== null) headers.push(['Host', host]);
  if (options.auth && ctx.mode === 'token') headers.push(['Authorization', `Bearer ${ctx.token}`]);
  let body = options.body;
  if (options.json) {
    headers.push(['Content-Type', 'application/json']);
    body ??= '{}';
  }
  headers.push(...(options.headers ?? []));
  return message(`${method} ${target} HTTP/1.1`, headers, body);
}

const both = (expect: Expect): Partial<Record<Mode, Expect>> => ({ token: expect, open: expect });
const byMode = (token: Expect, open: Expect): Partial<Record<Mode, Expect>> => ({ token, open });
const tokenOnly = (expect: Expect): Partial<Record<Mode, Expect>> => ({ token: expect });

const UNAUTHORIZED: Expect = [401, 'unauthorized'];
const NOT_FOUND: Expect = [404, 'not_found'];
const NOT_ALLOWED: Expect = [405, 'method_not_allowed'];
const FORBIDDEN: Expect = [403, 'forbidden'];
const MISDIRECTED: Expect = [421, 'misdirected_request'];
const MEDIA_TYPE: Expect = [415, 'unsupported_media_type'];
const BAD_URL: Expect = [400, 'bad_request'];
const TOO_LONG: Expect = [414, 'uri_too_long'];

/** Rows every Lookout HTTP server must pass. */
export function attackRows(paths: ServerPaths): Row[] {
  const { list } = paths;
  const write = `${list}/cam1/pause`;
  const listOk: Expect = [200, paths.listOk];
  const swapFirst = (path: string, encoded: string) => path.replace(/^\/[^/]+/, `/${encoded}`);
  const rows: Row[] = [
    // Spellings of protected routes: the gate sees the decoded, matched route.
    { name: 'GET /%61pi/... (encoded "a")', write: false, build: (c) => req(c, 'GET', swapFirst(list, '%61pi')), expect: byMode(UNAUTHORIZED, listOk) },
    { name: 'GET .../%63ameras (encoded "c")', write: false, build: (c) => req(c, 'GET', list.replace(/cameras$/, '%63ameras')), expect: byMode(UNAUTHORIZED, listOk) },
    { name: 'GET /api%2Fv1/... (encoded slash)', write: false, build: (c) => req(c, 'GET', list.replace('/api/', '/api%2F')), expect: both(NOT_FOUND) },
    { name: 'GET /metric%73', write: false, build: (c) => req(c, 'GET', '/metric%73'), expect: byMode(UNAUTHORIZED, [200, null]) },
    { name: 'GET /metrics without token', write: false, build: (c) => req(c, 'GET', '/metrics'), expect: byMode(UNAUTHORIZED, [200, null]) },
    { name: 'GET camera id with %2F', write: false, build: (c) => req(c, 'GET', `${list}/cam1%2Fpause`), expect: byMode(UNAUTHORIZED, [404, 'unknown_camera']) },
    { name: 'POST id with %2F (cam1%2Fpause)', write: true, build: (c) => req(c, 'POST', `${list}/cam1%2Fpause`, { auth: true, json: true }), expect: both(NOT_ALLOWED) },
    { name: 'POST %70ause (encoded "p") without token', write: true, build: (c) => req(c, 'POST', `${list}/cam1/%70ause`, { json: true, headers: [['Origin', 'http://evil.example']] }), expect: byMode(UNAUTHORIZED, FORBIDDEN) },
    { name: 'GET //api double slash', write: false, build: (c) => req(c, 'GET', `/${list}`, { auth: true }), expect: both(NOT_FOUND) },
    { name: 'POST //api double slash', write: true, build: (c) => req(c, 'POST', `/${write}`, { auth: true, json: true }), expect: both(NOT_FOUND) },
    { name: 'POST .../cameras//cam1/pause', write: true, build: (c) => req(c, 'POST', write.replace('/cam1', '//cam1'), { auth: true, json: true }), expect: both(NOT_FOUND) },
    { name: 'GET list with trailing slash (= camera "")', write: false, build: (c) => req(c, 'GET', `${list}/`, { auth: true }), expect: both([404, 'unknown_camera']) },
    { name: 'POST pause with trailing slash', write: true, build: (c) => req(c, 'POST', `${write}/`, { auth: true, json: true }), expect: both(NOT_FOUND) },
    { name: 'GET /API/v1 (case)', write: false, build: (c) => req(c, 'GET', list.replace('/api/', '/API/')), expect: both(NOT_FOUND) },
    { name: 'POST .../cam1/PAUSE (case)', write: true, build: (c) => req(c, 'POST', write.replace('pause', 'PAUSE'), { auth: true, json: true }), expect: both(NOT_FOUND) },
    { name: 'POST /api/v1/x/../ (dot-dot segment)', write: true, build: (c) => req(c, 'POST', write.replace('/api/v1/', '/api/v1/x/../'), { auth: true, json: true }), expect: both(NOT_FOUND) },
    { name: 'POST .../cam1/./pause (dot segment)', write: true, build: (c) => req(c, 'POST', write.replace('/pause', '/./pause'), { auth: true, json: true }), expect: both(NOT_FOUND) },
    { name: 'POST .../%2e%2e/pause (encoded dot-dot id)', write: true, build: (c) => req(c, 'POST', `${list}/%2e%2e/pause`, { auth: true, json: true }), expect: both([404, 'unknown_camera']) },
    // Methods.
    { name: 'GET pause + X-HTTP-Method-Override: POST', write: true, build: (c) => req(c, 'GET', write, { auth: true, headers: [['X-HTTP-Method-Override', 'POST'], ['X-HTTP-Method', 'POST'], ['X-Method-Override', 'POST']] }), expect: both(NOT_ALLOWED) },
    { name: 'POST text/plain + X-HTTP-Method-Override: GET', write: true, build: (c) => req(c, 'POST', write, { auth: true, body: '{}', headers: [['Content-Type', 'text/plain'], ['X-HTTP-Method-Override', 'GET']] }), expect: both(MEDIA_TYPE) },
    { name: 'HEAD on a POST route', write: true, build: (c) => req(c, 'HEAD', write, { auth: true }), expect: both([405, null]) },
    { name: 'HEAD on a POST route, no token', write: true, build: (c) => req(c, 'HEAD', write), expect: both([405, null]) },
    { name: 'PUT on a POST route', write: true, build: (c) => req(c, 'PUT', write, { auth: true, json: true }), expect: both(NOT_ALLOWED) },
    { name: 'DELETE a camera', write: true, build: (c) => req(c, 'DELETE', `${list}/cam1`, { auth: true, json: true }), expect: both(NOT_ALLOWED) },
    { name: 'OPTIONS preflight from a foreign origin', write: true, build: (c) => req(c, 'OPTIONS', write, { headers: [['Origin', 'http://evil.example'], ['Access-Control-Request-Method', 'POST']] }), expect: both(NOT_ALLOWED) },
    { name: 'POST /healthz', write: true, build: (c) => req(c, 'POST', '/healthz', { json: true }), expect: both(NOT_ALLOWED) },
    { name: 'GET unknown route naming the token (not echoed)', write: false, build: (c) => req(c, 'GET', `/${c.token}`), expect: tokenOnly(NOT_FOUND) },
    { name: 'GET unknown route without token', write: false, build: (c) => req(c, 'GET', '/nope'), expect: both(NOT_FOUND) },
    // Tokens.
    { name: 'GET list without token', write: false, build: (c) => req(c, 'GET', list), expect: byMode(UNAUTHORIZED, listOk) },
    { name: 'POST pause (JSON) without token', write: true, build: (c) => req(c, 'POST', write, { json: true }), expect: byMode(UNAUTHORIZED, [200, 'accepted']) },
    { name: 'POST pause with a wrong token', write: true, build: (c) => req(c, 'POST', write, { json: true, headers: [['Authorization', `Bearer ${c.token}x`]] }), expect: tokenOnly(UNAUTHORIZED) },
    { name: 'POST pause with a 10 KB token', write: true, build: (c) => req(c, 'POST', write, { json: true, headers: [['Authorization', `Bearer ${'t'.repeat(10_240)}`]] }), expect: tokenOnly(UNAUTHORIZED) },
    { name: 'POST pause with Basic instead of Bearer', write: true, build: (c) => req(c, 'POST', write, { json: true, headers: [['Authorization', `Basic ${Buffer.from(`x:${c.token}`).toString('base64')}`]] }), expect: tokenOnly(UNAUTHORIZED) },
    { name: 'POST pause with "Bearer" and no token', write: true, build: (c) => req(c, 'POST', write, { json: true, headers: [['Authorization', 'Bearer ']] }), expect: tokenOnly(UNAUTHORIZED) },
    { name: 'POST pause with the token in the query', write: true, build: (c) => req(c, 'POST', `${write}?token=${c.token}`, { json: true }), expect: tokenOnly(UNAUTHORIZED) },
    // Cross-site writes.
    { name: 'POST form (x-www-form-urlencoded)', write: true, build: (c) => req(c, 'POST', write, { auth: true, body: 'a=1', headers: [['Content-Type', 'application/x-www-form-urlencoded']] }), expect: both(MEDIA_TYPE) },
    { name: 'POST text/plain', write: true, build: (c) => req(c, 'POST', write, { auth: true, body: '{}', headers: [['Content-Type', 'text/plain']] }), expect: both(MEDIA_TYPE) },
    { name: 'POST multipart/form-data', write: true, build: (c) => req(c, 'POST', write, { auth: true, body: '--b--\r\n', headers: [['Content-Type', 'multipart/form-data; boundary=b']] }), expect: both(MEDIA_TYPE) },
    { name: 'POST text/plain with "application/json" as a parameter', write: true, build: (c) => req(c, 'POST', write, { auth: true, body: '{}', headers: [['Content-Type', 'text/plain; x=application/json']] }), expect: both(MEDIA_TYPE) },
    { name: 'POST body-less, no content type', write: true, build: (c) => req(c, 'POST', write, { auth: true, headers: [['Content-Length', '0']] }), expect: both(MEDIA_TYPE) },
    { name: 'POST JSON content type, empty body', write: true, build: (c) => req(c, 'POST', write, { auth: true, headers: [['Content-Type', 'application/json'], ['Content-Length', '0']] }), expect: both([400, 'bad_json']) },
    { name: 'POST malformed JSON', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, body: '{"a":' }), expect: both([400, 'bad_json']) },
    { name: 'POST JSON with Origin: http://evil.example', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, headers: [['Origin', 'http://evil.example']] }), expect: both(FORBIDDEN) },
    { name: 'POST JSON with Origin: null', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, headers: [['Origin', 'null']] }), expect: both(FORBIDDEN) },
    { name: 'POST with Origin on another port of 127.0.0.1', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, headers: [['Origin', `http://127.0.0.1:${c.port === 1 ? 2 : 1}`]] }), expect: both(FORBIDDEN) },
    { name: 'POST with Origin http://127.0.0.1.evil.example', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, headers: [['Origin', `http://127.0.0.1.evil.example:${c.port}`]] }), expect: both(FORBIDDEN) },
    { name: 'POST with Sec-Fetch-Site: cross-site', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, headers: [['Sec-Fetch-Site', 'cross-site']] }), expect: both(FORBIDDEN) },
    { name: 'POST with Sec-Fetch-Site: same-site, Origin another port', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, headers: [['Sec-Fetch-Site', 'same-site'], ['Origin', 'http://localhost:1']] }), expect: both(FORBIDDEN) },
    { name: 'POST with own Origin but Sec-Fetch-Site: cross-site', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, headers: [['Sec-Fetch-Site', 'cross-site'], ['Origin', `http://127.0.0.1:${c.port}`]] }), expect: both(FORBIDDEN) },
    // Host (DNS rebinding) and absolute-form targets.
    { name: 'GET list with Host: evil.example', write: false, build: (c) => req(c, 'GET', list, { auth: true, host: 'evil.example' }), expect: both(MISDIRECTED) },
    { name: 'GET /healthz with Host: evil.example:<port>', write: false, build: (c) => req(c, 'GET', '/healthz', { host: `evil.example:${c.port}` }), expect: both(MISDIRECTED) },
    { name: 'POST pause with Host: evil.example', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, host: 'evil.example' }), expect: both(MISDIRECTED) },
    { name: 'POST pause with Host: 127.0.0.1.evil.example', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, host: `127.0.0.1.evil.example:${c.port}` }), expect: both(MISDIRECTED) },
    { name: 'GET unknown route with Host: evil.example', write: false, build: (c) => req(c, 'GET', '/nope', { host: 'evil.example' }), expect: both(MISDIRECTED) },
    { name: 'absolute-form POST http://evil.example/..., own Host', write: true, build: (c) => req(c, 'POST', `http://evil.example${write}`, { auth: true, json: true }), expect: both(MISDIRECTED) },
    { name: 'absolute-form POST own authority, Host: evil.example', write: true, build: (c) => req(c, 'POST', `http://127.0.0.1:${c.port}${write}`, { auth: true, json: true, host: 'evil.example' }), expect: both(MISDIRECTED) },
    { name: 'absolute-form POST own authority, no token, no body', write: true, build: (c) => req(c, 'POST', `http://127.0.0.1:${c.port}${write}`, { headers: [['Content-Length', '0']] }), expect: byMode(UNAUTHORIZED, MEDIA_TYPE) },
    { name: 'absolute-form POST own authority, /%61pi, evil Origin', write: true, build: (c) => req(c, 'POST', `http://127.0.0.1:${c.port}${swapFirst(write, '%61pi')}`, { json: true, headers: [['Origin', 'http://evil.example']] }), expect: byMode(UNAUTHORIZED, FORBIDDEN) },
    { name: 'absolute-form GET own authority, no token', write: false, build: (c) => req(c, 'GET', `http://127.0.0.1:${c.port}${list}`), expect: byMode(UNAUTHORIZED, listOk) },
    // Malformed and oversized.
    { name: 'GET id %FF (bad UTF-8)', write: false, build: (c) => req(c, 'GET', `${list}/%FF`, { auth: true }), expect: both(BAD_URL) },
    { name: 'GET id %zz (not hex)', write: false, build: (c) => req(c, 'GET', `${list}/%zz`, { auth: true }), expect: both(BAD_URL) },
    { name: 'POST id %FF', write: true, build: (c) => req(c, 'POST', `${list}/%FF/pause`, { auth: true, json: true }), expect: both(BAD_URL) },
    { name: 'GET 10 KB id', write: false, build: (c) => req(c, 'GET', `${list}/${'a'.repeat(10_240)}`, { auth: true }), expect: both(TOO_LONG) },
    { name: 'POST 10 KB id', write: true, build: (c) => req(c, 'POST', `${list}/${'a'.repeat(10_240)}/pause`, { auth: true, json: true }), expect: both(TOO_LONG) },
    { name: 'GET with 64 KB of headers', write: false, build: (c) => req(c, 'GET', list, { auth: true, headers: [['X-Pad', 'p'.repeat(65_536)]] }), expect: both([431, 'header_too_large']) },
    { name: 'POST with 64 KB of headers', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, headers: [['X-Pad', 'p'.repeat(65_536)]] }), expect: both([431, 'header_too_large']) },
    { name: 'POST oversized JSON body (8 KB)', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, body: JSON.stringify({ pad: 'x'.repeat(8192) }) }), expect: both([413, 'payload_too_large']) },
    { name: 'HTTP/1.1 POST without a Host header', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, host: null }), expect: both(BAD_URL) },
    { name: 'HTTP/1.0 GET /healthz without Host (allowed)', write: false, build: () => 'GET /healthz HTTP/1.0\r\n\r\n', expect: both([200, null]) },
    { name: 'garbage request line', write: true, build: () => 'PAUSE cam1 please\r\n\r\n', expect: both([400, 'bad_request']) },
    { name: 'headers never finished (request timeout)', write: false, build: (c) => `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${c.port}\r\n`, expect: both([408, 'request_timeout']) },
    // Positive controls: the same server says yes to the right request, so the rows above can fail.
    { name: 'control: GET /healthz', write: false, build: (c) => req(c, 'GET', '/healthz'), expect: both([200, null]) },
    { name: 'control: GET list with token', write: false, build: (c) => req(c, 'GET', list, { auth: true }), expect: both(listOk) },
    { name: 'control: GET /metrics with token', write: false, build: (c) => req(c, 'GET', '/metrics', { auth: true }), expect: both([200, null]) },
    { name: 'control: POST pause with token and {}', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true }), expect: both([200, 'accepted']) },
    { name: 'control: same-origin browser POST', write: true, build: (c) => req(c, 'POST', write, { auth: true, json: true, headers: [['Origin', `http://127.0.0.1:${c.port}`], ['Sec-Fetch-Site', 'same-origin']] }), expect: both([200, 'accepted']) },
    { name: 'control: absolute-form POST own authority', write: true, build: (c) => req(c, 'POST', `http://localhost:${c.port}${write}`, { auth: true, json: true, host: `localhost:${c.port}` }), expect: both([200, 'accepted']) },
  ];
  return rows;
}

/** Gateway-only rows: the control plane's command route on the same server. */
export function commandRows(): Row[] {
  const pause = JSON.stringify({ command: 'stream.pause', camera: 'cam1' });
  return [
    { name: 'POST /api/v1/commands text/plain', write: true, build: (c) => req(c, 'POST', '/api/v1/commands', { auth: true, body: pause, headers: [['Content-Type', 'text/plain']] }), expect: both(MEDIA_TYPE) },
    { name: 'POST /api/v1/commands form', write: true, build: (c) => req(c, 'POST', '/api/v1/commands', { auth: true, body: 'command=stream.pause&camera=cam1', headers: [['Content-Type', 'application/x-www-form-urlencoded']] }), expect: both(MEDIA_TYPE) },
    { name: 'POST /api/v1/commands JSON, evil Origin', write: true, build: (c) => req(c, 'POST', '/api/v1/commands', { auth: true, json: true, body: pause, headers: [['Origin', 'http://evil.example']] }), expect: both(FORBIDDEN) },
    { name: 'POST /api/v1/%63ommands JSON without token', write: true, build: (c) => req(c, 'POST', '/api/v1/%63ommands', { json: true, body: pause, headers: [['Sec-Fetch-Site', 'cross-site']] }), expect: byMode(UNAUTHORIZED, FORBIDDEN) },
    { name: 'control: POST /api/v1/commands JSON with token', write: true, build: (c) => req(c, 'POST', '/api/v1/commands', { auth: true, json: true, body: pause }), expect: both([200, 'accepted']) },
  ];
}
