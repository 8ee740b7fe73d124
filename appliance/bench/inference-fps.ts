/**
 * Inference speed of a YOLO ONNX model on this machine with onnxruntime-node (CPU), for the
 * hardware guides' expected-fps figures. Prints one JSON object.
 *
 *   /usr/bin/python3 scripts/make-test-models.py --yolov8n-640 /tmp/yolov8n-640.onnx
 *   node --import tsx appliance/bench/inference-fps.ts /tmp/yolov8n-640.onnx [runs=20]
 */
import { cpus } from 'node:os';
import * as ort from 'onnxruntime-node';

const [modelPath, runsText = '20'] = process.argv.slice(2);
if (!modelPath) {
  process.stderr.write('usage: inference-fps.ts MODEL.onnx [runs]\n');
  process.exit(64);
}
const runs = Number(runsText);
const results: Array<{ threads: number; ms_median: number; ms_p90: number; fps: number }> = [];
for (const threads of [1, 2]) {
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const name = session.inputNames[0] ?? 'images';
  const meta = session.inputMetadata[0] as { shape?: Array<number | string> } | undefined;
  const dims = (meta?.shape ?? [1, 3, 640, 640]).map((d) => (typeof d === 'number' ? d : 1));
  const input = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5), dims);
  for (let i = 0; i < 3; i++) await session.run({ [name]: input });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await session.run({ [name]: input });
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  results.push({ threads, ms_median: Math.round(median), ms_p90: Math.round(times[Math.floor(times.length * 0.9)] ?? 0), fps: Number((1000 / median).toFixed(1)) });
  await session.release();
}
process.stdout.write(
  `${JSON.stringify({ model: modelPath, cpu: cpus()[0]?.model, cores: cpus().length, onnxruntime: ort.env.versions?.common, runs, results })}\n`,
);
