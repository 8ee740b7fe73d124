/**
 * Measures a source's keyframe interval with ffprobe (bounded by a deadline), so `decode: auto` can
 * pick keyframes-only decoding when keyframes come often enough for the asked fps. The interval is
 * the longest gap between keyframes seen: keyframes alone serve an fps only if every gap does.
 */
import { execa } from 'execa';
import { whileRecorded, type ChildRecorder } from '../../common/child/recorded-run.ts';
import { probeInputArgs, type DecoderInput } from './decoder-args.ts';

/** Longest seconds between keyframes in the first packets of `input`, or undefined if unknown. */
export async function probeKeyframeInterval(
  input: DecoderInput,
  options: {
    ffprobePath?: string | undefined;
    timeoutMs?: number;
    windowSec?: number;
    /** The detector's orphan registry: the probe is recorded while it runs (`owner` names the camera). */
    children?: ChildRecorder | undefined;
    owner?: string;
  } = {},
): Promise<number | undefined> {
  const windowSec = options.windowSec ?? 6;
  const timeoutMs = options.timeoutMs ?? 8000;
  // The keyframe probe never opens a capture device (that would take it from the decoder).
  if (input.kind === 'v4l2') return undefined;
  const args = [
    '-v', 'error',
    // A socket timeout of its own: a probe outliving a killed detector still ends.
    ...probeInputArgs(input, timeoutMs),
    '-select_streams', 'v:0',
    '-read_intervals', `%+${windowSec}`,
    '-show_entries', 'packet=pts_time,flags',
    '-of', 'csv=p=0',
  ];
  let stdout: string;
  try {
    // Own process group (what an orphan sweep signals), recorded while it runs.
    const child = execa(options.ffprobePath ?? 'ffprobe', args, { timeout: timeoutMs, forceKillAfterDelay: 1000, detached: true, stdin: 'ignore' });
    ({ stdout } = await whileRecorded(child, options.children, `${options.owner ?? 'detector'} keyframe probe`));
  } catch {
    return undefined;
  }
  return keyframeIntervalFromPackets(stdout);
}

/** The longest gap between keyframes in `pts_time,flags` CSV lines; pure for tests. */
export function keyframeIntervalFromPackets(csv: string): number | undefined {
  const keyTimes = csv
    .split(/\r?\n/)
    .map((line) => line.split(','))
    .filter(([time, flags]) => flags?.includes('K') && time !== undefined && Number.isFinite(Number(time)))
    .map(([time]) => Number(time))
    .sort((a, b) => a - b);
  if (keyTimes.length < 2) return undefined;
  let longest = 0;
  for (let index = 1; index < keyTimes.length; index++) longest = Math.max(longest, (keyTimes[index] ?? 0) - (keyTimes[index - 1] ?? 0));
  return longest;
}
