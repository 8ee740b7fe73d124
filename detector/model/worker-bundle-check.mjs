// Whether the committed inference-worker bundle (detector/model/dist, built by worker-bundle.ts)
// is what its TypeScript sources build to today: every source listed in the manifest still has the
// recorded SHA-256. Plain JavaScript because it runs in the worker before any loader exists.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

/**
 * Returns `{ url }` of the bundle when it is current, else `{ reason }` (missing manifest, a source
 * changed or gone), so the caller can fall back to running the sources through tsx.
 * @param {URL} distDir the dist directory, as a file URL ending in '/'
 * @returns {{ url: URL } | { reason: string }}
 */
export function currentWorkerBundle(distDir) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('inference-worker.json', distDir), 'utf8'));
  } catch (error) {
    return { reason: `no worker bundle manifest (${error instanceof Error ? error.message : String(error)})` };
  }
  for (const [source, expected] of Object.entries(manifest.sources ?? {})) {
    let actual;
    try {
      actual = createHash('sha256').update(readFileSync(new URL(source, distDir))).digest('hex');
    } catch {
      return { reason: `worker bundle source ${source} is gone` };
    }
    if (actual !== expected) return { reason: `worker bundle is stale: ${source} changed` };
  }
  return { url: new URL(manifest.bundle, distDir) };
}
