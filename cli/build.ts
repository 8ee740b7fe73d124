/**
 * Compiles the CLI into plain ES modules in dist/cli/ (git-ignored): `lookout.mjs`, one module per
 * command in `commands/`, and the code they share in `chunks/`, with npm packages imported at run
 * time. bin/lookout.js runs it when its manifest matches the sources (common/build/bundle-check.mjs)
 * and falls back to the TypeScript through tsx otherwise. Why: tsx's loader costs ~30 MB of RSS on
 * Node 20 (its code and the loader-hooks thread module.register() starts), a fifth of what
 * `lookout detect` may use (docs/capacity.md, memory). Commands stay lazily imported (code
 * splitting), so `lookout detect` still never loads the gateway's HTTP server.
 *
 * `bash scripts/setup.sh` and `npm run build` run it; the test runner runs it before every suite so
 * the tests exercise the compiled CLI. Takes about half a second.
 */
import { readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { currentBundle } from '../common/build/bundle-check.mjs';
import { buildBundle, type BundleSpec } from '../common/build/esbuild-bundle.ts';
import { packagePath } from '../common/package-root.ts';

export const CLI_DIST_DIR = packagePath('dist', 'cli');
export const CLI_MANIFEST_FILE = 'manifest.json';
export const CLI_BUILD_COMMAND = 'npm run build';

function cliSpec(): BundleSpec {
  const commandsDir = packagePath('cli', 'commands');
  const entryPoints: Record<string, string> = { lookout: packagePath('cli', 'lookout.ts') };
  // One named module per command (dist/cli/commands/<name>.mjs, which bench:memory's probe imports);
  // the helpers beside them (detect-options.ts …) export no `run` and go into chunks.
  for (const file of readdirSync(commandsDir).sort()) {
    if (file.endsWith('.ts') && /^export async function run\(/m.test(readFileSync(join(commandsDir, file), 'utf8'))) {
      entryPoints[`commands/${file.slice(0, -3)}`] = join(commandsDir, file);
    }
  }
  return {
    entryPoints,
    homeDir: CLI_DIST_DIR,
    manifestFile: CLI_MANIFEST_FILE,
    packagesExternal: true,
    splitting: true,
    recordFileTimes: true,
    banner: `/* Compiled from Lookout's TypeScript sources by cli/build.ts (${CLI_BUILD_COMMAND}); do not edit. */`,
  };
}

/**
 * Builds into `outDir`. For the real home (dist/cli) it builds beside it and swaps the directory in
 * with two renames, so a CLI starting meanwhile never runs half of a build (between the renames it
 * finds none and runs the sources through tsx, with a warning). Only a stale build is rebuilt by
 * setup.sh and the test runner (--if-stale), so this happens when sources changed, not on every run.
 */
export async function buildCli(outDir: string = CLI_DIST_DIR): Promise<string[]> {
  if (outDir !== CLI_DIST_DIR) return buildBundle(cliSpec(), outDir);
  const fresh = `${CLI_DIST_DIR}.new-${process.pid}`;
  const old = `${CLI_DIST_DIR}.old-${process.pid}`;
  rmSync(fresh, { recursive: true, force: true });
  try {
    const written = await buildBundle(cliSpec(), fresh);
    try {
      renameSync(CLI_DIST_DIR, old);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    try {
      renameSync(fresh, CLI_DIST_DIR);
    } catch (error) {
      // Another build (a second test run, setup.sh) swapped its own in between: theirs is as good.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !cliBuildIsCurrent()) throw error;
    }
    return written.map((file) => join(CLI_DIST_DIR, relative(fresh, file)));
  } finally {
    rmSync(fresh, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}

/** Whether dist/cli is what the sources build to today (bin/lookout.js's own check). */
export function cliBuildIsCurrent(): boolean {
  return 'url' in currentBundle(pathToFileURL(`${CLI_DIST_DIR}/`), CLI_MANIFEST_FILE);
}

// `node --import tsx cli/build.ts [--if-stale]`: --if-stale leaves a current build alone (setup.sh,
// the test runner), so a run never swaps the directory under CLI processes already running from it.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const where = relative(process.cwd(), CLI_DIST_DIR);
  if (process.argv.includes('--if-stale') && cliBuildIsCurrent()) {
    process.stdout.write(`${where} is current\n`);
  } else {
    const written = await buildCli();
    process.stdout.write(`built ${where}: ${written.length} files\n`);
  }
}
