/**
 * Child process of the "timeout then close" test in inference-pool.test.ts: drives a real pool
 * into the sequences that used to abort the process (a worker torn down while its native
 * session.run was running: `terminate called after throwing an instance of 'Napi::Error'`, exit
 * 134), then exits naturally. Prints one JSON line with what happened; the parent checks exit 0.
 *
 * Usage: node --import tsx detector/test/timeout-close-child.ts MODEL_PATH
 */
import { InferencePool } from '../inference/inference-pool.ts';

const modelPath = process.argv[2];
if (!modelPath) throw new Error('usage: timeout-close-child.ts MODEL_PATH');
const lb = { srcWidth: 640, srcHeight: 640, scale: 1, padX: 0, padY: 0 };
const opts = { minScore: 0.5, iouThreshold: 0.45 };
const frame = (): Uint8Array => new Uint8Array(640 * 640 * 3).fill(114);
const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (error: Error) => error.name);

// 1. An inference overruns (its worker is mid-run), then close() at once.
const first = await InferencePool.create({ modelPath, threads: 1, workers: 1, timeoutMs: 20 });
const timedOut = await outcome(first.infer({ data: frame(), letterbox: lb }, opts));
await first.close();

// 2. close(0) while a frame is inside session.run (a 640 run takes far longer than 30 ms here).
const second = await InferencePool.create({ modelPath, threads: 1, workers: 1, timeoutMs: 30_000 });
const running = outcome(second.infer({ data: frame(), letterbox: lb }, opts));
await new Promise((resolve) => setTimeout(resolve, 30));
await second.close(0);

console.log(JSON.stringify({ timedOut, running: await running, first: first.stats(), second: second.stats() }));
