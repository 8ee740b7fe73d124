// Entry of every inference worker thread. Worker threads do not inherit the main thread's tsx
// loader, and registering tsx here costs ~35 MB of RSS per worker on Node 20 (docs/capacity.md,
// memory), so the worker runs the committed plain-JS bundle of inference-worker.ts (built by
// worker-bundle.ts) when it matches its sources; otherwise (a source was edited and the bundle not
// rebuilt yet) it registers tsx and runs the TypeScript, so edited code never runs stale.
import { URL } from 'node:url';
import { currentWorkerBundle } from './worker-bundle-check.mjs';

const bundle = currentWorkerBundle(new URL('./dist/', import.meta.url));
if ('url' in bundle) {
  await import(bundle.url.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../inference/inference-worker.ts');
}
