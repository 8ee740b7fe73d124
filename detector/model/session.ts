import * as ort from 'onnxruntime-node';
import { ModelError } from './errors.ts';

/** Execution providers the config can ask for; CPU is always the last resort. */
export type ProviderName = 'cpu' | 'cuda';

export interface SessionOptions {
  /** intra-op threads for one session (per worker). */
  threads: number;
  /** Preferred providers in order; default ['cpu']. */
  providers?: ProviderName[];
}

export interface OpenedSession {
  session: ort.InferenceSession;
  /** Providers actually in use. */
  providers: ProviderName[];
  /** Why the preferred providers could not be used (CUDA missing …), for one log line. */
  fallbackReason?: string;
}

/**
 * Opens an onnxruntime session with the given thread count and the memory settings measured in
 * docs/capacity.md (memory): the CPU arena stays on (off, every tensor is a malloc and peak RSS
 * grew from fragmentation), the memory-pattern planner is off, graph optimisation stays at `all`
 * (`extended` saved ~15 MB but ran ~45 % slower on x86: no NCHWc kernels). When a non-CPU
 * provider was asked for and cannot load (no CUDA here, missing provider library), opens on CPU
 * instead and says why, so the detector keeps working on machines without an accelerator.
 */
export async function openSession(modelPath: string, options: SessionOptions): Promise<OpenedSession> {
  const wanted = options.providers && options.providers.length > 0 ? options.providers : ['cpu' as const];
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // Off: the memory-pattern planner keeps one block per run shape sized for the whole graph
    // (~25 MB more peak RSS for YOLOv8n-640) and measured no faster here (docs/capacity.md, memory).
    enableMemPattern: false,
  };
  const withCpu: ProviderName[] = wanted.includes('cpu') ? [...wanted] : [...wanted, 'cpu'];
  let fallbackReason: string | undefined;
  if (withCpu.some((p) => p !== 'cpu')) {
    try {
      const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: withCpu });
      return { session, providers: withCpu };
    } catch (error) {
      fallbackReason = `${withCpu.filter((p) => p !== 'cpu').join(', ')} unavailable: ${firstLine((error as Error).message)}`;
    }
  }
  try {
    const session = await ort.InferenceSession.create(modelPath, { ...base, executionProviders: ['cpu'] });
    return fallbackReason === undefined ? { session, providers: ['cpu'] } : { session, providers: ['cpu'], fallbackReason };
  } catch (error) {
    throw new ModelError(`cannot open model ${modelPath}: ${firstLine((error as Error).message)}`);
  }
}

/** The model's single image input: name and fixed size (dynamic dims fall back to `fallbackSize`). */
export function inputOf(session: ort.InferenceSession, fallbackSize = 640): { name: string; width: number; height: number } {
  const name = session.inputNames[0];
  if (name === undefined) throw new ModelError('model has no inputs');
  const meta = session.inputMetadata[0];
  const shape = meta && meta.isTensor ? meta.shape : [];
  if (shape.length !== 4) throw new ModelError(`model input ${name} has shape [${shape.join(', ')}]; expected [1, 3, H, W]`);
  if (typeof shape[1] === 'number' && shape[1] !== 3) throw new ModelError(`model input ${name} has ${shape[1]} channels; expected 3 (RGB)`);
  const dim = (v: number | string | undefined): number => (typeof v === 'number' && v > 0 ? v : fallbackSize);
  return { name, width: dim(shape[3]), height: dim(shape[2]) };
}

function firstLine(text: string): string {
  // onnxruntime messages carry ANSI colour codes and long native paths; keep the gist.
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/\u001b\[[0-9;]*m/g, '');
  const line = clean.split('\n')[0] ?? clean;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
