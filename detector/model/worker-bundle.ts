/**
 * Builds the inference worker (detector/inference/inference-worker.ts and what it imports) into one
 * plain ES module, `detector/model/dist/inference-worker.mjs`, with esbuild (the bundler tsx
 * already brings; onnxruntime-node stays an import). Why: a worker thread does not inherit the
 * main thread's tsx loader, and registering tsx in each worker costs about 35 MB of RSS on Node 20
 * (tsx's own code plus the loader-hooks thread that `module.register()` starts), a tenth of
 * `lookout detect`'s budget (docs/capacity.md, memory). The output is committed (the box may be
 * offline and have no dev dependencies) together with a manifest of its sources' SHA-256;
 * worker-boot.mjs runs the bundle only when every source still matches (else it falls back to tsx,
 * so an edited source never runs stale), and a test fails when the committed bundle is stale.
 * Run: `node --import tsx detector/model/worker-bundle.ts`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
export const WORKER_SOURCE = join(HERE, '..', 'inference', 'inference-worker.ts');
export const WORKER_DIST_DIR = join(HERE, 'dist');
export const BUNDLE_FILE = 'inference-worker.mjs';
export const MANIFEST_FILE = 'inference-worker.json';
export const BUILD_COMMAND = 'node --import tsx detector/model/worker-bundle.ts';

const BANNER = `/* Generated from detector/inference/inference-worker.ts by detector/model/worker-bundle.ts (${BUILD_COMMAND}); do not edit. */\n/* eslint-disable */`;

/** What worker-boot.mjs checks: each source, relative to the dist directory, and its SHA-256. */
export interface WorkerManifest {
  bundle: string;
  sources: Record<string, string>;
}

/** Writes the bundle and its manifest into `outDir`; returns their paths. */
export async function buildWorkerBundle(outDir: string = WORKER_DIST_DIR): Promise<string[]> {
  const result = await build({
    entryPoints: [WORKER_SOURCE],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: ['node20'],
    external: ['onnxruntime-node'],
    write: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    banner: { js: BANNER },
    absWorkingDir: ROOT,
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output');
  // Sources are named relative to the dist directory as seen from the source tree, so the
  // manifest is the same wherever the bundle is built (a test builds into a temp dir).
  const sources: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    if (input.startsWith('..')) throw new Error(`worker bundle input outside the checkout: ${input}`);
    const absolute = join(ROOT, input);
    sources[relative(WORKER_DIST_DIR, absolute)] = sha256(readFileSync(absolute));
  }
  const manifest: WorkerManifest = { bundle: BUNDLE_FILE, sources };
  mkdirSync(outDir, { recursive: true });
  const written = [join(outDir, BUNDLE_FILE), join(outDir, MANIFEST_FILE)];
  writeFileSync(written[0]!, output.contents);
  writeFileSync(written[1]!, `${JSON.stringify(manifest, null, 2)}\n`);
  return written;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of await buildWorkerBundle()) process.stdout.write(`wrote ${relative(process.cwd(), file)}\n`);
}
