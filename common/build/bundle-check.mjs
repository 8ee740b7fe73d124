// Whether a built bundle (the compiled CLI in dist/cli, the inference worker in detector/model/dist)
// is what its TypeScript sources build to today: every source listed in its manifest still has the
// recorded SHA-256 (or, when recorded, the same size and modification time) (common/build/esbuild-bundle.ts writes both). Plain JavaScript because it runs
// before any TypeScript loader exists: in bin/lookout.js and on the main thread before a worker starts.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { URL } from 'node:url';

/**
 * Returns `{ url }` of the bundle's entry file when it is current, else `{ reason }` (no manifest, a
 * source changed or gone), so the caller can fall back to running the sources through tsx.
 * @param {URL} distDir the bundle's directory, as a file URL ending in '/'
 * @param {string} manifestFile the manifest's file name in that directory
 * @returns {{ url: URL } | { reason: string }}
 */
export function currentBundle(distDir, manifestFile) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL(manifestFile, distDir), 'utf8'));
  } catch (error) {
    return { reason: `no bundle manifest (${error instanceof Error ? error.message : String(error)})` };
  }
  for (const [source, recorded] of Object.entries(manifest.sources ?? {})) {
    const file = new URL(source, distDir);
    // A source recorded with its size and mtime and still carrying both is unchanged without being
    // read (reading and hashing some 250 files costs ~5 MB of RSS at every CLI start); any other
    // source is hashed.
    const expected = typeof recorded === 'string' ? recorded : recorded.sha256;
    let actual;
    try {
      if (typeof recorded !== 'string') {
        const stats = statSync(file);
        if (stats.size === recorded.size && stats.mtimeMs === recorded.mtimeMs) continue;
      }
      actual = createHash('sha256').update(readFileSync(file)).digest('hex');
    } catch {
      return { reason: `bundle source ${source} is gone` };
    }
    if (actual !== expected) return { reason: `bundle is stale: ${source} changed` };
  }
  return { url: new URL(manifest.bundle, distDir) };
}
