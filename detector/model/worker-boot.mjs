// Entry of every inference worker thread. Worker threads do not inherit the main thread's tsx
// loader, and registering tsx here costs ~35 MB of RSS per worker on Node 20 (docs/capacity.md,
// memory), so the worker runs the committed plain-JS bundle of inference-worker.ts (built by
// worker-bundle.ts) when the spawner found it matches its sources (`workerData.bootBundle`, decided
// once per process in worker-spawn.ts); otherwise it registers tsx and runs the TypeScript, so
// edited code never runs stale.
import { workerData } from 'node:worker_threads';

if (typeof workerData?.bootBundle === 'string') {
  await import(workerData.bootBundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../inference/inference-worker.ts');
}
