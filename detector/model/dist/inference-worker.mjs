/* Generated from detector/inference/inference-worker.ts by detector/model/worker-bundle.ts (node --import tsx detector/model/worker-bundle.ts); do not edit. */
/* eslint-disable */

// detector/inference/inference-worker.ts
import { parentPort, workerData } from "node:worker_threads";
import * as ort2 from "onnxruntime-node";

// common/lifecycle/sleep.ts
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(0, ms)) : void 0;
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

// detector/model/errors.ts
var ModelError = class extends Error {
  name = "ModelError";
};

// detector/model/layout.ts
function detectLayout(dims, inputSize, classCount) {
  const shape = dims.length === 3 && dims[0] === 1 ? dims.slice(1) : void 0;
  if (!shape) throw new ModelError(`unsupported output shape [${dims.join(", ")}]: expected [1, 4+nc, N], [1, N, 5+nc] or [1, N, 6]`);
  const [a, b] = shape;
  if (a < b && a > 4) return { layout: "yolov8", candidates: b, classes: a - 4 };
  if (b === 6 && !(inputSize && a === yolov5AnchorCount(inputSize)) && classCount !== 1) {
    return { layout: "end2end", candidates: a, classes: classCount ?? 0 };
  }
  if (b >= 6) return { layout: "yolov5", candidates: a, classes: b - 5 };
  throw new ModelError(`unsupported output shape [${dims.join(", ")}]: not a YOLOv5/v8 or end-to-end [1, N, 6] detector`);
}
function yolov5AnchorCount(size) {
  let total = 0;
  for (const stride of [8, 16, 32]) total += 3 * Math.ceil(size.width / stride) * Math.ceil(size.height / stride);
  return total;
}

// detector/model/labels.ts
function numberedLabels(count) {
  return Array.from({ length: count }, (_, i) => `class${i}`);
}

// detector/model/session.ts
import * as ort from "onnxruntime-node";
async function openSession(modelPath, options) {
  const wanted = options.providers && options.providers.length > 0 ? options.providers : ["cpu"];
  const base = {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    executionMode: "sequential",
    // Off: the memory-pattern planner keeps one block per run shape sized for the whole graph
    // (~25 MB more peak RSS for YOLOv8n-640) and measured no faster here (docs/capacity.md, memory).
    enableMemPattern: false
  };
  const withCpu = wanted.includes("cpu") ? [...wanted] : [...wanted, "cpu"];
  let fallbackReason;
  if (withCpu.some((p) => p !== "cpu")) {
    try {
      const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: withCpu });
      return { session, providers: withCpu };
    } catch (error) {
      fallbackReason = `${withCpu.filter((p) => p !== "cpu").join(", ")} unavailable: ${firstLine(error.message)}`;
    }
  }
  try {
    const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ["cpu"] });
    return fallbackReason === void 0 ? { session, providers: ["cpu"] } : { session, providers: ["cpu"], fallbackReason };
  } catch (error) {
    throw new ModelError(`cannot open model ${modelPath}: ${firstLine(error.message)}`);
  }
}
function inputOf(session, fallbackSize = 640) {
  const name = session.inputNames[0];
  if (name === void 0) throw new ModelError("model has no inputs");
  const meta = session.inputMetadata[0];
  const shape = meta && meta.isTensor ? meta.shape : [];
  if (shape.length !== 4) throw new ModelError(`model input ${name} has shape [${shape.join(", ")}]; expected [1, 3, H, W]`);
  if (typeof shape[1] === "number" && shape[1] !== 3) throw new ModelError(`model input ${name} has ${shape[1]} channels; expected 3 (RGB)`);
  const dim = (v) => typeof v === "number" && v > 0 ? v : fallbackSize;
  return { name, width: dim(shape[3]), height: dim(shape[2]) };
}
function firstLine(text) {
  const clean = text.replace(/\u001b\[[0-9;]*m/g, "");
  const line = clean.split("\n")[0] ?? clean;
  return line.length > 300 ? `${line.slice(0, 300)}\u2026` : line;
}

// detector/inference/inference-worker.ts
var port = parentPort;
if (!port) throw new Error("inference-worker.ts must run as a worker thread");
var init = workerData;
var post = (message, transfer = []) => port.postMessage(message, transfer);
var inNative = false;
var retiring = false;
var loaded = load().catch((error) => {
  post({ type: "init-error", message: error.message });
  return void 0;
});
port.on("message", (request) => {
  if (request.type === "retire") {
    retiring = true;
    if (!inNative) exitNow();
    return;
  }
  void handle(request);
});
async function native(call) {
  inNative = true;
  try {
    return await call();
  } finally {
    inNative = false;
    if (retiring) exitNow();
  }
}
function exitNow() {
  process.exit(0);
}
async function load() {
  const opened = await native(() => openSession(init.modelPath, { threads: init.threads, providers: init.providers }));
  const { session } = opened;
  const input = inputOf(session);
  const outputName = session.outputNames[0];
  if (outputName === void 0) throw new Error("model has no outputs");
  const tensor = new Float32Array(3 * input.width * input.height);
  const warmStart = performance.now();
  const warm = await native(() => session.run({ [input.name]: new ort2.Tensor("float32", tensor, [1, 3, input.height, input.width]) }));
  const warmOutput = warm[outputName];
  const outputDims = [...warmOutput?.dims ?? []];
  const shape = detectLayout(outputDims, input, init.labels?.length);
  const layout = init.layout ?? shape.layout;
  const labels = init.labels ?? numberedLabels(shape.classes);
  const released = [tensor.buffer, ...owned(warmOutput?.data) ? [warmOutput.data.buffer] : []];
  const ready = {
    type: "ready",
    warmupMs: performance.now() - warmStart,
    inputName: input.name,
    inputWidth: input.width,
    inputHeight: input.height,
    outputDims,
    layout,
    labels,
    providers: opened.providers,
    ...opened.fallbackReason === void 0 ? {} : { fallbackReason: opened.fallbackReason }
  };
  post(ready, released);
  return { session, inputName: input.name, outputName, width: input.width, height: input.height };
}
async function handle(request) {
  const model = await loaded;
  if (!model || retiring) return;
  try {
    if (request.debug?.delayMs) await sleep(request.debug.delayMs);
    if (request.debug?.crash) {
      setImmediate(() => {
        throw new Error("inference worker crash requested (test)");
      });
      return;
    }
    if (request.tensor.length !== 3 * model.width * model.height) throw new Error(`input tensor has ${request.tensor.length} values; the model needs ${3 * model.width * model.height}`);
    const input = new ort2.Tensor("float32", request.tensor, [1, 3, model.height, model.width]);
    const t0 = performance.now();
    const outputs = await native(() => model.session.run({ [model.inputName]: input }));
    const runMs = performance.now() - t0;
    const out = outputs[model.outputName];
    if (!out || !(out.data instanceof Float32Array)) throw new Error(`model returned no float32 ${model.outputName}`);
    const output = out.data;
    const transfer = [request.tensor.buffer];
    if (owned(output)) transfer.push(output.buffer);
    post({ type: "result", id: request.id, output, dims: [...out.dims], tensor: request.tensor, runMs }, transfer);
  } catch (error) {
    const e = error;
    post({ type: "error", id: request.id, name: e.name, message: e.message });
  }
}
function owned(data) {
  return data instanceof Float32Array && data.byteOffset === 0 && data.buffer instanceof ArrayBuffer && data.byteLength === data.buffer.byteLength;
}
