// One stage of `npm run bench:memory`'s breakdown of `lookout detect`'s memory, in a fresh process
// launched as bin/lookout.js is (the bench passes the launch tuning): it loads what `lookout detect`
// loads, in the same order, and prints one JSON line with the RSS after each step (/proc/self/status
// VmRSS, MB) and the V8 heaps. Plain JavaScript so that the first figure is node itself.
//
//   node scripts/bench/memory-probe.mjs worker|session MODEL THREADS
//
// `worker`: node → bin/lookout.js's check of the compiled CLI → the compiled detect command's
// modules (dist/cli/commands/detect.mjs) → one inference worker thread started the product's way
// (worker-boot.mjs) that fails to open a missing model: its isolate, its code and the onnxruntime
// library, without a session.
// `session`: the same, but the worker opens MODEL and runs its warm-up inference; then its own V8
// heap statistics are read inside it (v8.getHeapStatistics()).
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { URL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';

const MB = 1024 * 1024;
const round = (value) => Math.round(value * 10) / 10;
const status = () => readFileSync('/proc/self/status', 'utf8');
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(status())?.[1] ?? 'NaN') / 1024;

const [stage, model, threadsText] = process.argv.slice(2);
if ((stage !== 'worker' && stage !== 'session') || !model || !threadsText) {
  process.stderr.write('usage: memory-probe.mjs worker|session MODEL THREADS\n');
  process.exit(2);
}
const steps = { node: rssMb() };
const { currentBundle } = await import('../../common/build/bundle-check.mjs');
const compiled = currentBundle(new URL('../../dist/cli/', import.meta.url), 'manifest.json');
if (!('url' in compiled)) {
  process.stderr.write(`memory-probe: the compiled CLI is not current (${compiled.reason}): npm run build\n`);
  process.exit(1);
}
steps.entry = rssMb();
await import('../../dist/cli/commands/detect.mjs');
steps.detect_modules = rssMb();
const mainHeapMb = getHeapStatistics().total_heap_size / MB;

// The product's worker entry, with a side channel that reads the worker's own V8 heap: the worker
// code ignores workerData fields it does not know.
const { port1, port2 } = new MessageChannel();
const boot = new URL('../../detector/model/worker-boot.mjs', import.meta.url).href;
const source = `
const { workerData } = require('node:worker_threads');
const { getHeapStatistics } = require('node:v8');
workerData.statsPort.on('message', () => workerData.statsPort.postMessage(getHeapStatistics()));
import(${JSON.stringify(boot)});
`;
const init = { modelPath: stage === 'session' ? model : `${model}.missing-for-the-probe`, threads: Number(threadsText), providers: ['cpu'], statsPort: port2 };
const worker = new Worker(source, { eval: true, workerData: init, transferList: [port2] });
const answer = new Promise((resolve, reject) => {
  worker.on('message', (message) => {
    if (message.type === 'ready' || message.type === 'init-error') resolve(message);
  });
  worker.on('error', reject);
  worker.on('exit', (code) => reject(new Error(`worker exited with code ${code}`)));
});
// No deadlines here: bench:memory runs this probe with a timeout of its own (execa, 180 s).
const message = await answer;
if (stage === 'session' && message.type !== 'ready') throw new Error(`the worker did not open the model: ${message.message}`);
steps[stage === 'session' ? 'worker_session_warmup' : 'worker_without_session'] = rssMb();
const workerHeap = await new Promise((resolve) => {
  port1.once('message', resolve);
  port1.postMessage('heap');
});
worker.postMessage({ type: 'retire' });
await new Promise((resolve) => worker.once('exit', resolve));
port1.close();
process.stdout.write(
  `${JSON.stringify({
    stage,
    rss_mb: Object.fromEntries(Object.entries(steps).map(([key, value]) => [key, round(value)])),
    main_v8_heap_mb: round(mainHeapMb),
    worker_v8_heap_mb: round(workerHeap.total_heap_size / MB),
    worker_v8_external_mb: round(workerHeap.external_memory / MB),
  })}\n`,
);
