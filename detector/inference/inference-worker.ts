/**
 * worker_threads entry of the InferencePool: owns one onnxruntime session and runs it on one
 * prepared input tensor at a time, so the main thread never waits on inference. Pre- and
 * postprocessing happen on the pool's side (the main thread), overlapped with the next run: this
 * thread is blocked for the whole of each run, so nothing else could happen here meanwhile.
 *
 * It exits only on its own (on a `retire` request), never while onnxruntime-node's `session.run`
 * is on its stack: that run is a synchronous native call (the binding only defers it with
 * setImmediate), and a worker torn down during it (terminate(), or the process exiting) aborts
 * the whole process with `terminate called after throwing an instance of 'Napi::Error'`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { sleep } from '../../common/lifecycle/sleep.ts';
import { detectLayout } from '../model/layout.ts';
import { numberedLabels } from '../model/labels.ts';
import { inputOf, openSession } from '../model/session.ts';
import type { InferRequest, WorkerInit, WorkerMessage, WorkerRequest } from '../model/worker-protocol.ts';

interface Loaded {
  session: ort.InferenceSession;
  inputName: string;
  outputName: string;
  width: number;
  height: number;
}

const port = parentPort;
if (!port) throw new Error('inference-worker.ts must run as a worker thread');
const init = workerData as WorkerInit;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

/** Inside a native onnxruntime call (session open or run): exiting now would abort the process. */
let inNative = false;
/** The pool asked this worker to go; it exits as soon as no native call is running. */
let retiring = false;

const loaded: Promise<Loaded | undefined> = load().catch((error: unknown) => {
  post({ type: 'init-error', message: (error as Error).message });
  return undefined;
});

port.on('message', (request: WorkerRequest) => {
  if (request.type === 'retire') {
    retiring = true;
    if (!inNative) exitNow();
    return;
  }
  void handle(request);
});

/** Runs one native onnxruntime call with the exit guard up; exits afterwards if retired meanwhile. */
async function native<T>(call: () => Promise<T>): Promise<T> {
  inNative = true;
  try {
    return await call();
  } finally {
    inNative = false;
    if (retiring) exitNow();
  }
}

function exitNow(): never {
  // Only this thread ends; no native call is on its stack here, so the teardown is clean.
  process.exit(0);
}

async function load(): Promise<Loaded> {
  const opened = await native(() => openSession(init.modelPath, { threads: init.threads, providers: init.providers }));
  const { session } = opened;
  const input = inputOf(session);
  const outputName = session.outputNames[0];
  if (outputName === undefined) throw new Error('model has no outputs');
  const tensor = new Float32Array(3 * input.width * input.height);
  // Warm-up run: learns the real output dims (metadata may be symbolic) and pays first-run costs now.
  const warmStart = performance.now();
  const warm = await native(() => session.run({ [input.name]: new ort.Tensor('float32', tensor, [1, 3, input.height, input.width]) }));
  const warmOutput = warm[outputName];
  const outputDims = [...(warmOutput?.dims ?? [])];
  const shape = detectLayout(outputDims, input, init.labels?.length);
  const layout = init.layout ?? shape.layout;
  const labels = init.labels ?? numberedLabels(shape.classes);
  // The warm-up buffers (~8 MB at 640²) are moved out with the ready message, unreferenced by it:
  // they are garbage either way, and this thread allocates so little that it would not collect them
  // for a long time, while the main thread collects them at its next scavenge.
  const released = [tensor.buffer, ...(owned(warmOutput?.data) ? [warmOutput.data.buffer] : [])];
  const ready: WorkerMessage = {
    type: 'ready',
    warmupMs: performance.now() - warmStart,
    inputName: input.name,
    inputWidth: input.width,
    inputHeight: input.height,
    outputDims,
    layout,
    labels,
    providers: opened.providers,
    ...(opened.fallbackReason === undefined ? {} : { fallbackReason: opened.fallbackReason }),
  };
  post(ready, released);
  return { session, inputName: input.name, outputName, width: input.width, height: input.height };
}

async function handle(request: InferRequest): Promise<void> {
  const model = await loaded;
  if (!model || retiring) return;
  try {
    if (request.debug?.delayMs) await sleep(request.debug.delayMs);
    if (request.debug?.crash) {
      setImmediate(() => {
        throw new Error('inference worker crash requested (test)');
      });
      return;
    }
    if (request.tensor.length !== 3 * model.width * model.height) throw new Error(`input tensor has ${request.tensor.length} values; the model needs ${3 * model.width * model.height}`);
    const input = new ort.Tensor('float32', request.tensor, [1, 3, model.height, model.width]);
    const t0 = performance.now();
    const outputs = await native(() => model.session.run({ [model.inputName]: input }));
    const runMs = performance.now() - t0;
    const out = outputs[model.outputName];
    if (!out || !(out.data instanceof Float32Array)) throw new Error(`model returned no float32 ${model.outputName}`);
    const output = out.data;
    // The input tensor goes back for reuse; the output is moved when it owns its buffer (else copied).
    const transfer: ArrayBuffer[] = [request.tensor.buffer as ArrayBuffer];
    if (owned(output)) transfer.push(output.buffer);
    post({ type: 'result', id: request.id, output, dims: [...out.dims], tensor: request.tensor, runMs }, transfer);
  } catch (error) {
    const e = error as Error;
    post({ type: 'error', id: request.id, name: e.name, message: e.message });
  }
}

/** A float32 array that owns its whole ArrayBuffer, so the buffer can be transferred (moved). */
function owned(data: unknown): data is Float32Array & { buffer: ArrayBuffer } {
  return data instanceof Float32Array && data.byteOffset === 0 && data.buffer instanceof ArrayBuffer && data.byteLength === data.buffer.byteLength;
}
