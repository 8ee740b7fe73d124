#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 --optimize-for-size
// Entry point. Runs the compiled CLI (dist/cli, built by cli/build.ts: `npm run build`, which
// scripts/setup.sh runs) when it matches the TypeScript sources, else the sources through tsx's
// loader (with a warning: that costs ~30 MB more), so an edited source never runs stale.
//
// The first line is the launch tuning (common/launch-tuning.ts, docs/capacity.md): glibc keeps at
// most 2 malloc arenas instead of 8 per core, V8's young generation stays small and its heap
// favours size; together about 25 MB less for `lookout detect`. It applies when this file is
// executed (`bin/lookout.js`, `lookout` after npm link, npm start); `node bin/lookout.js` skips it
// and still works (`lookout --version` says which).
import { URL } from 'node:url';
import { currentBundle } from '../common/build/bundle-check.mjs';

// LOOKOUT_CLI=sources runs the sources even when the build is current (stack traces name .ts lines).
const compiled = process.env.LOOKOUT_CLI === 'sources' ? { reason: 'LOOKOUT_CLI=sources' } : currentBundle(new URL('../dist/cli/', import.meta.url), 'manifest.json');
if ('url' in compiled) {
  await import(compiled.url.href);
} else {
  if (process.env.LOOKOUT_CLI !== 'sources') {
    process.emitWarning(`running the TypeScript sources through tsx (~30 MB more): ${compiled.reason}; build with: npm run build`, { code: 'LOOKOUT_CLI_BUNDLE' });
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/lookout.ts');
}
