/**
 * What one camera's decoder costs: CPU seconds per wall second of its child processes, read from
 * /proc. A decoder is one process group (the `all` ffmpeg, or sh with the keyframe demux and decode
 * ffmpegs), so the whole group is summed; a lone leader's own utime+stime would miss the ffmpegs
 * under `sh`. Shared by bench:detector (1080p) and bench:decode (the detect sub-stream).
 */
import { sleep } from '../../common/lifecycle/sleep.ts';
import { silentLogger } from '../../common/log.ts';
import { groupMembers } from '../../common/proc.ts';
import { Decoder } from '../../detector/decode/decoder.ts';
import { type DecodeStrategy, type DecoderInput } from '../../detector/decode/decoder-args.ts';
import { HwaccelFallback } from '../../detector/decode/hwaccel.ts';
import { cpuTicks, CLOCK_TICKS } from '../soak/proc-table.ts';

/** utime+stime of one process, in seconds (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  return (cpuTicks(pid) ?? 0) / CLOCK_TICKS;
}

/** utime+stime of every live process in the group `pgid`, in seconds. */
export function groupCpuSeconds(pgid: number): number {
  return groupMembers(pgid).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
}

/** How the bench's decoders are supervised: restart on exit, generous start and stall limits. */
export const SUPERVISION = { restart: true, stallMs: 30_000, startMs: 30_000, backoff: { initialMs: 200, maxMs: 1000, resetAfterMs: 5000 } };

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface DecodeCostOptions {
  input: DecoderInput;
  strategy: DecodeStrategy;
  width: number;
  height: number;
  seconds: number;
  fps?: number;
  /** Time before measuring (the first keyframe, ffmpeg's start). */
  warmupSeconds?: number;
}

/** Runs one software decoder and measures its group's CPU and the frames it delivered per second. */
export async function decodeCost(options: DecodeCostOptions): Promise<{ core: number; fps: number }> {
  let frames = 0;
  const decoder = new Decoder({
    name: `bench-${options.strategy}`,
    input: options.input,
    strategy: options.strategy,
    fps: options.fps ?? 5,
    width: options.width,
    height: options.height,
    hwaccel: new HwaccelFallback({ mode: 'none', reason: 'bench' }, 60_000),
    ...SUPERVISION,
    logger: silentLogger(),
    onFrame: () => frames++,
  });
  decoder.start();
  try {
    await sleep((options.warmupSeconds ?? 1.5) * 1000);
    const pid = decoder.pid;
    if (pid === undefined) throw new Error(`decoder (${options.strategy}) is not running`);
    const cpu0 = groupCpuSeconds(pid);
    const frames0 = frames;
    const t0 = performance.now();
    await sleep(options.seconds * 1000);
    const cpu1 = groupCpuSeconds(pid);
    const wall = (performance.now() - t0) / 1000;
    if (decoder.pid !== pid) throw new Error(`decoder (${options.strategy}) restarted while measured`);
    return { core: round((cpu1 - cpu0) / wall), fps: round((frames - frames0) / wall, 2) };
  } finally {
    await decoder.stop();
  }
}
