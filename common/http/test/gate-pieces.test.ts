/**
 * The gate's pieces on their own: which Host names pass, which cross-site headers refuse a write,
 * which content types count as JSON, how errors map to status and code, what a parser-level error
 * answers, how unmatched paths find their methods, and that bad settings fail at config load.
 */
import assert from 'node:assert/strict';
import { hostname, networkInterfaces } from 'node:os';
import { test } from 'node:test';
import Fastify from 'fastify';
import { ConfigError, parseConfig } from '../../config/load.ts';
import { secrets } from '../../redact.ts';
import { bearerMatches, needsToken } from '../access.ts';
import { clientErrorResponse } from '../client-errors.ts';
import { toHttpError } from '../error-envelope.ts';
import { UnknownCameraError } from '../../camera-errors.ts';
import { absoluteAuthority, HostPolicy } from '../host-policy.ts';
import { contentTypeRefusal, crossSiteRefusal, normalizeOrigin } from '../request-guards.ts';
import { RouteTable } from '../route-table.ts';

void test('Host allow-list: defaults with and without port, foreign names refused, extras and *', () => {
  const policy = new HostPolicy('127.0.0.1');
  const machine = hostname();
  for (const host of ['127.0.0.1', '127.0.0.1:8080', 'localhost:8080', 'LOCALHOST', '[::1]:8080', machine, `${machine}.local:8080`]) {
    assert.equal(policy.allows(host), true, host);
  }
  for (const host of ['evil.example', 'evil.example:8080', '127.0.0.1.evil.example', 'localhost.evil.example', 'user@localhost', 'localhost/x', '', '0.0.0.0', '[::1']) {
    assert.equal(policy.allows(host), false, host);
  }
  const extra = new HostPolicy('127.0.0.1', ['lookout.home.arpa']);
  assert.equal(extra.allows('lookout.home.arpa:8080'), true);
  assert.equal(extra.allows('evil.example'), false);
  const any = new HostPolicy('127.0.0.1', ['*']);
  assert.equal(any.allows('evil.example'), true);
  assert.equal(any.allows('bad host'), false, 'still a host name');
  const bound = new HostPolicy('192.0.2.7');
  assert.equal(bound.allows('192.0.2.7:8080'), true, 'the bind address');
  const wildcard = new HostPolicy('0.0.0.0');
  const v4 = Object.values(networkInterfaces()).flat().find((entry) => entry?.family === 'IPv4');
  if (v4) assert.equal(wildcard.allows(`${v4.address}:8080`), true, 'bound to 0.0.0.0: the machine addresses');
  assert.equal(wildcard.allows('0.0.0.0'), false, 'not the wildcard itself');
});

void test('absolute-form targets: their authority, or none for origin-form', () => {
  assert.equal(absoluteAuthority('/api/v1/cameras'), undefined);
  assert.deepEqual(absoluteAuthority('http://127.0.0.1:8080/api/v1/cameras'), { authority: '127.0.0.1:8080' });
  assert.deepEqual(absoluteAuthority('HTTP://Evil.Example/x'), { authority: 'evil.example' });
  assert.deepEqual(absoluteAuthority('ftp://127.0.0.1/x'), { authority: undefined });
  assert.deepEqual(absoluteAuthority('http://[bad/x'), { authority: undefined });
});

void test('cross-site writes: Origin and Sec-Fetch-Site against the effective host and the allow-list', () => {
  const allowed = new Set(['http://dash.example:3000']);
  const host = '127.0.0.1:8080';
  const cases: Array<[Record<string, string>, boolean]> = [
    [{}, true],
    [{ origin: 'http://127.0.0.1:8080' }, true],
    [{ origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' }, true],
    [{ 'sec-fetch-site': 'none' }, true],
    [{ origin: 'http://dash.example:3000', 'sec-fetch-site': 'cross-site' }, true],
    [{ origin: 'http://evil.example' }, false],
    [{ origin: 'null' }, false],
    [{ origin: 'http://127.0.0.1:8081' }, false],
    // Behind a TLS-terminating proxy the page is https and the forwarded Host the same name: the scheme is not compared.
    [{ origin: 'https://127.0.0.1:8080' }, true],
    [{ origin: 'http://dash.example:3001' }, false],
    [{ 'sec-fetch-site': 'cross-site' }, false],
    [{ 'sec-fetch-site': 'same-site' }, false],
    [{ origin: 'http://localhost:8080', 'sec-fetch-site': 'same-site' }, false],
    [{ origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'cross-site' }, false],
  ];
  for (const [headers, passes] of cases) {
    const refusal = crossSiteRefusal(headers, host, allowed);
    assert.equal(refusal === undefined, passes, JSON.stringify(headers));
    if (refusal) assert.equal(refusal.code, 'forbidden');
  }
  assert.ok(crossSiteRefusal({ origin: 'http://127.0.0.1:8080' }, undefined, allowed), 'no Host: not same-origin');
  assert.equal(normalizeOrigin('HTTP://Dash.Example:80'), 'http://dash.example');
  assert.equal(normalizeOrigin('file:///x'), undefined);
});

void test('JSON only: media types that count as JSON and those that do not', () => {
  for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON']) assert.equal(contentTypeRefusal({ 'content-type': type }, 'POST'), undefined, type);
  for (const type of [undefined, '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain; a=application/json', 'application/jsonp']) {
    const headers = type === undefined ? {} : { 'content-type': type };
    assert.equal(contentTypeRefusal(headers, 'POST')?.code, 'unsupported_media_type', String(type));
  }
});

void test('tokens: constant-time bearer match and which access needs it', () => {
  assert.equal(bearerMatches('Bearer s3cret-token', 's3cret-token'), true);
  assert.equal(bearerMatches('bearer s3cret-token ', 's3cret-token'), true);
  for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic s3cret-token', 'Bearer s3cret-tokenx', 'Bearer s3cret token']) assert.equal(bearerMatches(header, 's3cret-token'), false, String(header));
  const settings = { token: 's3cret-token', metricsPublic: false };
  assert.deepEqual((['public', 'token', 'metrics', 'hook'] as const).map((access) => needsToken(access, settings)), [false, true, true, false]);
  assert.equal(needsToken('metrics', { ...settings, metricsPublic: true }), false);
  assert.equal(needsToken('token', { metricsPublic: false }), false, 'no token configured');
});

void test('error table: fastify codes and statuses map to the envelope; secrets are redacted', () => {
  const cases: Array<[object, number, string]> = [
    [{ code: 'FST_ERR_BAD_URL', message: "'/x/%FF' is not a valid url component" }, 400, 'bad_request'],
    [{ code: 'FST_ERR_MAX_PARAM_LENGTH', message: "'/aaaa' is exceeding the max param length" }, 414, 'uri_too_long'],
    [{ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'Request body is too large' }, 413, 'payload_too_large'],
    [{ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415, message: 'Unsupported Media Type' }, 415, 'unsupported_media_type'],
    [{ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400, message: 'bad' }, 400, 'bad_json'],
    [{ statusCode: 431, message: 'x' }, 431, 'header_too_large'],
    [{ statusCode: 408, message: 'x' }, 408, 'request_timeout'],
    [new UnknownCameraError('x'), 404, 'unknown_camera'],
    [{ code: 'conflict', message: 'full' }, 409, 'conflict'],
    [{ name: 'UnknownCameraError', message: 'a class name alone says nothing' }, 500, 'internal'],
    [{ code: 'ENOENT', message: 'not a table code' }, 500, 'internal'],
    [new Error('boom'), 500, 'internal'],
  ];
  for (const [error, status, code] of cases) {
    const reply = toHttpError(error);
    assert.deepEqual([reply.status, reply.body.status, reply.body.error.code], [status, 'error', code], JSON.stringify(error));
  }
  assert.equal(toHttpError({ code: 'FST_ERR_BAD_URL', message: "'/p4ssw0rd-in-url' x" }).body.error.message.includes('p4ssw0rd'), false, 'the URL is not echoed');
  secrets.add('gate-test-secret-91');
  assert.equal(toHttpError(new Error('failed with gate-test-secret-91')).body.error.message.includes('gate-test-secret-91'), false);
});

void test('parser-level errors answer in the envelope; a reset connection gets nothing', () => {
  const response = clientErrorResponse({ code: 'HPE_HEADER_OVERFLOW' }) ?? '';
  assert.match(response, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.match(response, /\r\nConnection: close\r\n/);
  assert.deepEqual(JSON.parse(response.split('\r\n\r\n')[1] ?? ''), { status: 'error', error: { code: 'header_too_large', message: 'request headers are too large' } });
  assert.match(clientErrorResponse({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }) ?? '', /^HTTP\/1\.1 408 /);
  assert.match(clientErrorResponse({ code: 'HPE_INVALID_METHOD' }) ?? '', /^HTTP\/1\.1 400 /);
  assert.equal(clientErrorResponse({ code: 'ECONNRESET' }), undefined);
});

void test('route table: methods of a path from every registered route, nothing for unknown paths', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  const routes = new RouteTable();
  routes.collect(app);
  app.get('/api/v1/cameras/:id', async () => ({}));
  app.post('/api/v1/cameras/:id/pause', async () => ({}));
  await app.register(async (child) => {
    child.post('/hooks/x', async () => ({}));
  });
  await app.ready();
  assert.deepEqual(routes.methodsFor('/api/v1/cameras/cam1'), ['GET', 'HEAD']);
  assert.deepEqual(routes.methodsFor('/api/v1/cameras/cam1/pause?x=1'), ['POST']);
  assert.deepEqual(routes.methodsFor('http://127.0.0.1:8080/api/v1/cameras/cam1/pause'), ['POST']);
  assert.deepEqual(routes.methodsFor('/hooks/x'), ['POST']);
  assert.equal(routes.methodsFor('/api/v1/cameras/cam1/explode'), undefined);
  assert.equal(routes.methodsFor('/api/v1/cameras/%FF'), undefined);
});

void test('config: bad origins and host names are refused naming the field', () => {
  const cases: Array<[object, string]> = [
    [{ http: { allowed_origins: ['http://dash.example/path'] } }, 'http.allowed_origins[0]'],
    [{ http: { allowed_origins: ['dash.example'] } }, 'http.allowed_origins[0]'],
    [{ http: { allowed_hosts: ['bad host'] } }, 'http.allowed_hosts[0]'],
    [{ http: { token: 'short' } }, 'http.token'],
    [{ http: { request_timeout: '10ms' } }, 'http.request_timeout'],
    [{ detector: { http: { allowed_hosts: ['x/y'] } } }, 'detector.http.allowed_hosts[0]'],
  ];
  for (const [input, field] of cases) {
    assert.throws(
      () => parseConfig(input, { env: {} }),
      (error: unknown) => error instanceof ConfigError && error.issues.some((issue) => issue.startsWith(`${field}:`)),
      field,
    );
  }
  const config = parseConfig({ http: { allowed_origins: ['http://dash.example:3000'], allowed_hosts: ['*', 'lookout.home.arpa'] } }, { env: {} });
  assert.deepEqual(config.http.allowed_origins, ['http://dash.example:3000']);
  assert.equal(config.http.metrics_public, false);
  assert.equal(config.http.request_timeout, 30_000);
});
