/**
 * Builds TypeScript entry points into plain ES modules with esbuild (the bundler tsx already brings,
 * so it is there on a production install too) and writes beside them a manifest of every source's
 * SHA-256, which common/build/bundle-check.mjs compares before the bundle is run: an edited source
 * makes the bundle stale, and the caller falls back to the sources through tsx instead of running
 * old code. Used for the compiled CLI (cli/build.ts) and the inference worker
 * (detector/model/worker-bundle.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { PACKAGE_ROOT } from '../package-root.ts';

export interface BundleSpec {
  /** Output name (without extension) → entry source path. The first one is the manifest's `bundle`. */
  entryPoints: Record<string, string>;
  /** Where the bundle lives when run: the manifest names sources relative to it. */
  homeDir: string;
  manifestFile: string;
  banner: string;
  /** Import every npm package at run time instead of bundling it. */
  packagesExternal?: boolean;
  /** Packages imported at run time (when not all are). */
  external?: string[];
  /** Split shared code and dynamic imports into chunks, so a lazily imported module stays lazy. */
  splitting?: boolean;
  /**
   * Record each source's size and mtime beside its hash, so the check reads no unchanged file. Only
   * for a bundle built on the machine that runs it: a committed one meets other mtimes on every clone.
   */
  recordFileTimes?: boolean;
}

/** A source's SHA-256, or that with its size and mtime (recordFileTimes). */
export type RecordedSource = string | { sha256: string; size: number; mtimeMs: number };

/** What the manifest records: the entry file and each source, relative to the home directory. */
export interface BundleManifest {
  bundle: string;
  sources: Record<string, RecordedSource>;
}

const OUT_EXTENSION = '.mjs';

/** Builds `spec` into `outDir` (its home directory, or a temp dir in a test); returns the written paths. */
export async function buildBundle(spec: BundleSpec, outDir: string = spec.homeDir): Promise<string[]> {
  const names = Object.keys(spec.entryPoints);
  if (names.length === 0) throw new Error('a bundle needs an entry point');
  const result = await build({
    entryPoints: Object.entries(spec.entryPoints).map(([out, source]) => ({ in: source, out })),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: ['node20'],
    ...(spec.packagesExternal ? { packages: 'external' as const } : { external: spec.external ?? [] }),
    ...(spec.splitting ? { splitting: true, chunkNames: 'chunks/[name]-[hash]' } : {}),
    outdir: outDir,
    outExtension: { '.js': OUT_EXTENSION },
    write: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    banner: { js: spec.banner },
    absWorkingDir: PACKAGE_ROOT,
  });
  // Sources are named relative to the home directory, so the manifest is the same wherever the
  // bundle is built (a test builds into a temp dir).
  const sources: Record<string, RecordedSource> = {};
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    if (input.startsWith('..')) throw new Error(`bundle input outside the package: ${input}`);
    const absolute = join(PACKAGE_ROOT, input);
    const hash = sha256(readFileSync(absolute));
    const { size, mtimeMs } = statSync(absolute);
    sources[relative(spec.homeDir, absolute)] = spec.recordFileTimes ? { sha256: hash, size, mtimeMs } : hash;
  }
  const manifest: BundleManifest = { bundle: `${names[0]!}${OUT_EXTENSION}`, sources };
  const written: string[] = [];
  for (const output of result.outputFiles) {
    mkdirSync(dirname(output.path), { recursive: true });
    writeFileSync(output.path, output.contents);
    written.push(output.path);
  }
  const manifestPath = join(outDir, spec.manifestFile);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  written.push(manifestPath);
  return written;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
