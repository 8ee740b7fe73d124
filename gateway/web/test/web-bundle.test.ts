import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { silentLogger } from '../../../common/log.ts';
import { parseConfig } from '../../../common/config/load.ts';
import { startGateway } from '../../../appliance/gateway-runner.ts';
import { demoConfigInput } from '../../../appliance/demo-config.ts';
import { buildPage, WEB_SRC_DIR } from '../page-bundle.ts';
import { CONTENT_SECURITY_POLICY, PAGE_FILES, staticRoutes, WEB_DIST_DIR } from '../static-routes.ts';

const BUDGET_GZIP_BYTES = 150 * 1024;

void test('the committed web/dist is what web/src builds to (run `npm run build:web` after changing the page)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-web-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await buildPage(dir);
  for (const { file } of PAGE_FILES) {
    assert.ok(readFileSync(join(dir, file)).equals(readFileSync(join(WEB_DIST_DIR, file))), `web/dist/${file} is stale: run npm run build:web`);
  }
});

void test('web/src typechecks (strict, DOM types; the root tsconfig does not include web/)', () => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = join(WEB_SRC_DIR, '..', 'tsconfig.json');
  try {
    execFileSync(process.execPath, [tsc, '--noEmit', '-p', project], { encoding: 'utf8', timeout: 120_000, stdio: 'pipe' });
  } catch (error) {
    assert.fail(`tsc -p web/tsconfig.json failed:\n${String((error as { stdout?: string }).stdout ?? error)}`);
  }
});

void test('the whole page is at most 150 KB gzipped, loads nothing from elsewhere and has no inline script or style', () => {
  let total = 0;
  for (const { file } of PAGE_FILES) {
    const body = readFileSync(join(WEB_DIST_DIR, file));
    total += gzipSync(body, { level: 9 }).length;
    assert.doesNotMatch(body.toString('utf8'), /(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i, `${file} names no remote address (no CDN)`);
  }
  assert.ok(total <= BUDGET_GZIP_BYTES, `${total} bytes gzipped > ${BUDGET_GZIP_BYTES}`);
  const html = readFileSync(join(WEB_DIST_DIR, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]?.[1] ?? '', /src="\/app\.js"/);
  assert.equal(scripts[0]?.[2]?.trim(), '', 'no inline script');
  assert.doesNotMatch(html, /\sstyle=|<style|\son[a-z]+=/i, 'no inline style or handlers (the CSP forbids them)');
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1"/);
  assert.match(html, /aria-live="polite"/);
});

void test('the page files are served with their types and strict security headers; nothing else under web/dist is', async (t) => {
  const app = Fastify({ logger: false });
  t.after(() => app.close());
  await app.register(staticRoutes, {});
  for (const { route, file, type } of PAGE_FILES) {
    const response = await app.inject({ url: route });
    assert.equal(response.statusCode, 200, route);
    assert.equal(response.headers['content-type'], type);
    assert.equal(response.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['referrer-policy'], 'no-referrer');
    assert.equal(response.headers['x-frame-options'], 'DENY');
    assert.ok(response.rawPayload.equals(readFileSync(join(WEB_DIST_DIR, file))));
  }
  assert.match(CONTENT_SECURITY_POLICY, /(^|; )default-src 'self'(;|$)/);
  assert.match(CONTENT_SECURITY_POLICY, /(^|; )script-src 'self'(;|$)/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
  for (const url of ['/index.html', '/app.js.map', '/../package.json', '/%2e%2e/package.json', '/web/dist/app.js']) {
    assert.equal((await app.inject({ url })).statusCode, 404, url);
  }
});

void test('on the real gateway with http.token: the page is public, the API it calls needs the token', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-web-token-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const input = demoConfigInput({ stateDir: dir, mediamtx: false, httpPort: 0, detectorHttpPort: 9 });
  const token = 'page-test-token-123';
  const config = parseConfig({ ...input, http: { ...input.http, token } }, { env: {}, file: '(test)' });
  const gateway = await startGateway(config, silentLogger());
  t.after(() => gateway.stop());
  const base = `http://127.0.0.1:${gateway.port}`;
  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  for (const path of ['/api/v1/overview', '/api/v1/events', '/api/v1/cameras/demo/latest.jpg', '/api/v1/detect/cameras']) {
    const refused = await fetch(`${base}${path}`);
    assert.equal(refused.status, 401, path);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'unauthorized');
  }
  const overview = await fetch(`${base}/api/v1/overview`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(overview.status, 200);
  const data = ((await overview.json()) as { data: { cameras: Array<{ id: string }>; slots: { limit: number }; detector: { reachable: boolean } } }).data;
  assert.deepEqual(
    data.cameras.map((camera) => camera.id),
    ['demo'],
  );
  assert.equal(data.slots.limit, 1);
  assert.equal(data.detector.reachable, false, 'nothing listens on the discard port');
  // Bad input on the real server: an envelope, and the gateway keeps serving.
  const auth = { authorization: `Bearer ${token}` };
  for (const [path, status, code] of [
    [`/api/v1/events/${'a'.repeat(10_240)}`, 414, 'uri_too_long'],
    ['/api/v1/events/%2e%2e%2fetc', 400, 'bad_request'],
    ['/api/v1/events/caf%C3%A9/snapshot.jpg', 400, 'bad_request'],
    ['/api/v1/cameras/garage/latest.jpg', 404, 'unknown_camera'],
    ['/api/v1/cameras/demo/latest.jpg?h=99999', 400, 'bad_request'],
    ['/api/v1/cameras/demo/latest.jpg', 502, 'bad_gateway'],
  ] as const) {
    const response = await fetch(`${base}${path}`, { headers: auth });
    assert.equal(response.status, status, path.slice(0, 60));
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, code, path.slice(0, 60));
  }
  // Detect on/off is a write: a cross-site form post is refused even with nothing else wrong.
  const crossSite = await fetch(`${base}/api/v1/detect/cameras/demo/pause`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', origin: 'http://evil.example' },
    body: '{}',
  });
  assert.ok(crossSite.status === 403 || crossSite.status === 415, String(crossSite.status));
});
