/**
 * Builds the inference worker (detector/inference/inference-worker.ts and what it imports) into one
 * plain ES module, `detector/model/dist/inference-worker.mjs`, with esbuild (the bundler tsx
 * already brings; onnxruntime-node stays an import). Why: a worker thread does not inherit the
 * main thread's tsx loader, and registering tsx in each worker costs about 35 MB of RSS on Node 20
 * (tsx's own code plus the loader-hooks thread that `module.register()` starts), a tenth of
 * `lookout detect`'s budget (docs/capacity.md, memory). The output is committed (the box may be
 * offline and have no dev dependencies) together with a manifest of its sources' SHA-256;
 * worker-spawn.ts runs the bundle only when every source still matches (common/build/bundle-check.mjs;
 * else the worker runs the sources through tsx, so an edited source never runs stale), and a test
 * fails when the committed bundle is stale.
 * Run: `node --import tsx detector/model/worker-bundle.ts`.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle, type BundleSpec } from '../../common/build/esbuild-bundle.ts';
import { packagePath } from '../../common/package-root.ts';

export const WORKER_SOURCE = packagePath('detector', 'inference', 'inference-worker.ts');
export const WORKER_DIST_DIR = packagePath('detector', 'model', 'dist');
export const BUNDLE_FILE = 'inference-worker.mjs';
export const MANIFEST_FILE = 'inference-worker.json';
export const BUILD_COMMAND = 'node --import tsx detector/model/worker-bundle.ts';

const SPEC: BundleSpec = {
  entryPoints: { 'inference-worker': WORKER_SOURCE },
  homeDir: WORKER_DIST_DIR,
  manifestFile: MANIFEST_FILE,
  external: ['onnxruntime-node'],
  banner: `/* Generated from detector/inference/inference-worker.ts by detector/model/worker-bundle.ts (${BUILD_COMMAND}); do not edit. */\n/* eslint-disable */`,
};

/** Writes the bundle and its manifest into `outDir`; returns their paths. */
export async function buildWorkerBundle(outDir: string = WORKER_DIST_DIR): Promise<string[]> {
  return buildBundle(SPEC, outDir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of await buildWorkerBundle()) process.stdout.write(`wrote ${relative(process.cwd(), file)}\n`);
}
