import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { currentBundle } from '../build/bundle-check.mjs';

void test('a source recorded with size and mtime is trusted while both match, hashed when they differ, and stale only when its content changed', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lookout-bundle-check-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dist = join(root, 'dist');
  mkdirSync(dist);
  const source = join(root, 'a.ts');
  writeFileSync(source, 'export const a = 1;\n');
  const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
  const record = (content: string): void => {
    const { size, mtimeMs } = statSync(source);
    writeFileSync(join(dist, 'manifest.json'), JSON.stringify({ bundle: 'entry.mjs', sources: { '../a.ts': { sha256: sha256(content), size, mtimeMs } } }));
  };
  const check = () => currentBundle(pathToFileURL(`${dist}/`), 'manifest.json');

  record('export const a = 1;\n');
  assert.deepEqual(check(), { url: pathToFileURL(join(dist, 'entry.mjs')) });

  // Same size and mtime but other bytes: trusted (the fast path reads nothing). Recorded hash is
  // deliberately wrong here to prove the file was not read.
  const { size, mtimeMs } = statSync(source);
  writeFileSync(join(dist, 'manifest.json'), JSON.stringify({ bundle: 'entry.mjs', sources: { '../a.ts': { sha256: sha256('other'), size, mtimeMs } } }));
  assert.ok('url' in check(), 'size and mtime unchanged: not read');

  // Touched (a checkout rewrote it) with the same content: hashed, still current.
  record('export const a = 1;\n');
  utimesSync(source, new Date(), new Date(Date.now() + 5000));
  assert.ok('url' in check(), 'same bytes, new mtime: current');

  // Edited: stale, naming the source.
  writeFileSync(source, 'export const a = 2;\n');
  assert.deepEqual(check(), { reason: 'bundle is stale: ../a.ts changed' });

  // Gone.
  rmSync(source);
  assert.deepEqual(check(), { reason: 'bundle source ../a.ts is gone' });

  // No manifest.
  rmSync(join(dist, 'manifest.json'));
  assert.match((check() as { reason: string }).reason, /^no bundle manifest/);
});
