/**
 * Where Lookout's own files are (models/, web/dist/, deploy/, bin/, the worker entry files): the
 * nearest directory above this module whose package.json names the "lookout" package. Found by
 * walking up rather than by a fixed `../..` because the same code runs from its TypeScript source
 * (common/) and from the compiled CLI bundle (dist/cli/, cli/build.ts), which sit at other depths.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'lookout';

function findPackage(start: string): { root: string; version: string } {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const fields = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (fields.name === PACKAGE_NAME) return { root: dir, version: String(fields.version) };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of "${PACKAGE_NAME}" above ${start}`);
  }
}

const found = findPackage(dirname(fileURLToPath(import.meta.url)));

/** The package's root directory (the checkout, or /opt/lookout in the container). */
export const PACKAGE_ROOT = found.root;

/** The package's version, from its package.json. */
export const PACKAGE_VERSION = found.version;

/** A path inside the package: `packagePath('models', 'demo.onnx')`. */
export function packagePath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}

/** The CLI's entry point (what child Lookout processes run). */
export const LOOKOUT_BIN = packagePath('bin', 'lookout.js');

/** True when this code runs from the compiled CLI bundle (dist/cli/), false from the sources. */
export const RUNS_COMPILED = fileURLToPath(import.meta.url).startsWith(packagePath('dist', 'cli') + '/');
