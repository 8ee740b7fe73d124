/**
 * How this process was launched, for `lookout --version` and `lookout doctor`: the compiled CLI or
 * the TypeScript sources through tsx (bin/lookout.js decides), and which of the launch tuning's
 * settings (common/launch-tuning.ts) it got.
 */
import { LAUNCH_ENV, LAUNCH_NODE_FLAGS } from './launch-tuning.ts';
import { RUNS_COMPILED } from './package-root.ts';

export interface RuntimeInfo {
  compiled: boolean;
  /** Launch settings this process lacks, as written (`MALLOC_ARENA_MAX=2`, `--max-semi-space-size=1`). */
  untuned: string[];
}

export function runtimeInfo(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): RuntimeInfo {
  const untuned = [
    ...Object.entries(LAUNCH_ENV)
      .filter(([name, value]) => env[name] !== value)
      .map(([name, value]) => `${name}=${value}`),
    ...LAUNCH_NODE_FLAGS.filter((flag) => !execArgv.includes(flag)),
  ];
  return { compiled: RUNS_COMPILED, untuned };
}

/** One line: "compiled CLI (dist/cli); launch tuning on" or what is missing. */
export function describeRuntime(info: RuntimeInfo = runtimeInfo()): string {
  const code = info.compiled ? 'compiled CLI (dist/cli)' : 'TypeScript sources through tsx';
  const tuning = info.untuned.length === 0 ? 'launch tuning on' : `launch tuning off (no ${info.untuned.join(', no ')})`;
  return `${code}; ${tuning}`;
}
