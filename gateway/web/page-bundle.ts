/**
 * Builds the web page from `web/src/` into `web/dist/` with esbuild (the bundler tsx already brings):
 * one minified ES module, one stylesheet and the HTML, with no runtime dependency and no CDN. The
 * output is committed (the box may be offline and have no dev dependencies); a test rebuilds into
 * a temp dir and fails when the committed files are stale. Run: `npm run build:web`.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { packagePath } from '../../common/package-root.ts';

export const WEB_SRC_DIR = packagePath('web', 'src');
const DEFAULT_OUT = join(WEB_SRC_DIR, '..', 'dist');

const BANNER = '/* Generated from web/src by gateway/web/page-bundle.ts (npm run build:web); do not edit. */\n/* eslint-disable */';

/** Writes index.html, app.js and app.css into `outDir`; returns their paths. */
export async function buildPage(outDir: string = DEFAULT_OUT): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const common: BuildOptions & { write: false } = { bundle: true, minify: true, write: false, legalComments: 'none', logLevel: 'silent', target: ['es2022'] };
  const [script, style] = await Promise.all([
    build({ ...common, entryPoints: [join(WEB_SRC_DIR, 'main.ts')], format: 'esm', banner: { js: BANNER } }),
    build({ ...common, entryPoints: [join(WEB_SRC_DIR, 'app.css')], loader: { '.css': 'css' } }),
  ]);
  const js = script.outputFiles?.[0];
  const css = style.outputFiles?.[0];
  if (!js || !css) throw new Error('esbuild produced no output');
  const written = [join(outDir, 'app.js'), join(outDir, 'app.css'), join(outDir, 'index.html')];
  writeFileSync(written[0] as string, js.contents);
  writeFileSync(written[1] as string, css.contents);
  copyFileSync(join(WEB_SRC_DIR, 'index.html'), written[2] as string);
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = await buildPage(process.argv[2]);
  process.stdout.write(`${files.join('\n')}\n`);
}
