import * as ort from 'onnxruntime-node';
import { inputOf, openSession } from './session.ts';

export interface OrtSpeed {
  model: string;
  input: string;
  threads: number;
  runs: number;
  /** session.run calls per second, one prepared tensor, nothing else. */
  fps: number;
  msP50: number;
  msP95: number;
}

/**
 * The ceiling the detector pipeline is measured against: bare `session.run` on one prepared
 * tensor with `threads` intra-op threads, for `seconds` (after two warm-up runs), on this thread.
 */
export async function measureOrtFps(modelPath: string, threads: number, seconds: number): Promise<OrtSpeed> {
  const { session } = await openSession(modelPath, { threads });
  try {
    const input = inputOf(session);
    const data = new Float32Array(3 * input.width * input.height).fill(114 / 255);
    const feeds = { [input.name]: new ort.Tensor('float32', data, [1, 3, input.height, input.width]) };
    for (let i = 0; i < 2; i++) await session.run(feeds);
    const times: number[] = [];
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end || times.length < 3) {
      const t = performance.now();
      await session.run(feeds);
      times.push(performance.now() - t);
    }
    const elapsed = (performance.now() - start) / 1000;
    times.sort((a, b) => a - b);
    const pct = (p: number): number => round(times[Math.min(times.length - 1, Math.floor(p * times.length))]!);
    return {
      model: modelPath,
      input: `${input.width}x${input.height}`,
      threads,
      runs: times.length,
      fps: round(times.length / elapsed),
      msP50: pct(0.5),
      msP95: pct(0.95),
    };
  } finally {
    await session.release();
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
