import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BUILD_COMMAND, BUNDLE_FILE, buildWorkerBundle, MANIFEST_FILE, WORKER_DIST_DIR, WORKER_SOURCE } from '../model/worker-bundle.ts';
import { currentBundle } from '../../common/build/bundle-check.mjs';

const DIST_URL = pathToFileURL(`${WORKER_DIST_DIR}/`);

void test(`the committed inference-worker bundle is what its sources build to (run \`${BUILD_COMMAND}\` after changing them)`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-worker-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await buildWorkerBundle(dir);
  for (const file of [BUNDLE_FILE, MANIFEST_FILE]) {
    assert.ok(readFileSync(join(dir, file)).equals(readFileSync(join(WORKER_DIST_DIR, file))), `detector/model/dist/${file} is stale: run ${BUILD_COMMAND}`);
  }
  const bundle = currentBundle(DIST_URL, MANIFEST_FILE);
  assert.ok('url' in bundle, `worker-boot.mjs would not use the bundle: ${'reason' in bundle ? bundle.reason : ''}`);
  assert.equal(bundle.url.href, pathToFileURL(join(WORKER_DIST_DIR, BUNDLE_FILE)).href);
  const manifest = JSON.parse(readFileSync(join(WORKER_DIST_DIR, MANIFEST_FILE), 'utf8')) as { sources: Record<string, string> };
  assert.ok(Object.keys(manifest.sources).some((source) => source.endsWith('inference/inference-worker.ts')), 'the manifest lists the worker entry');
});

void test('worker-boot falls back to the TypeScript sources when a source differs from what the bundle was built from', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-worker-manifest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dirUrl = pathToFileURL(`${dir}/`);
  const hash = createHash('sha256').update(readFileSync(WORKER_SOURCE)).digest('hex');
  const write = (sources: Record<string, string>): void => writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ bundle: BUNDLE_FILE, sources }));

  assert.match((currentBundle(dirUrl, MANIFEST_FILE) as { reason: string }).reason, /no bundle manifest/);
  write({ [WORKER_SOURCE]: hash });
  assert.equal((currentBundle(dirUrl, MANIFEST_FILE) as { url: URL }).url.href, pathToFileURL(join(dir, BUNDLE_FILE)).href);
  write({ [WORKER_SOURCE]: hash.replace(/^./, (c) => (c === '0' ? '1' : '0')) });
  assert.match((currentBundle(dirUrl, MANIFEST_FILE) as { reason: string }).reason, /stale: .*inference-worker\.ts changed/);
  write({ [join(dir, 'gone.ts')]: hash });
  assert.match((currentBundle(dirUrl, MANIFEST_FILE) as { reason: string }).reason, /gone\.ts is gone/);
});
