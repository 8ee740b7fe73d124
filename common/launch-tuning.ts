/**
 * How a Lookout process is launched to stay small (docs/capacity.md, memory). Both settings must be
 * given when the process starts, so they are not code: they are the first line of bin/lookout.js,
 * the systemd units' ExecStart and Environment, the container's ENTRYPOINT and ENV, and `lookout
 * up`'s launch of the detector, all built from (or tested against) these two constants.
 *  - MALLOC_ARENA_MAX=2: glibc otherwise keeps up to 8 malloc arenas per core, one per thread that
 *    allocates (main, inference worker, onnxruntime's and libuv's threads), each holding freed memory.
 *  - --max-semi-space-size=1: V8's young generation stays at 1 MB per semi-space (per isolate: the
 *    main thread and each inference worker) instead of growing to 16 MB under the frame rate's
 *    allocations; scavenges get more frequent and stay cheap.
 *  - --optimize-for-size: V8 favours heap size over speed (slower heap growth, smaller code);
 *    ~10 MB less peak on Node 24 (none on Node 20), ~3 % longer wall time for `lookout detect`,
 *    whose time is spent in onnxruntime and ffmpeg, not in JavaScript.
 * Measured on `lookout detect` with YOLOv8n-640 (npm run bench:memory; docs/capacity.md, memory).
 */
export const LAUNCH_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

export const LAUNCH_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--optimize-for-size'];

/** bin/lookout.js's first line: `env -S` sets the variable and passes the flag when it is executed. */
export const LAUNCH_SHEBANG = `#!/usr/bin/env -S ${Object.entries(LAUNCH_ENV)
  .map(([name, value]) => `${name}=${value}`)
  .join(' ')} node ${LAUNCH_NODE_FLAGS.join(' ')}`;

/** The environment a child Lookout process starts with: `env` plus the launch variables it lacks. */
export function launchEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const merged = { ...env };
  for (const [name, value] of Object.entries(LAUNCH_ENV)) merged[name] ??= value;
  return merged;
}
