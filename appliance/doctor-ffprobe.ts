/**
 * Runs ffprobe for `lookout doctor` as a supervised child: its own process group, output drained,
 * exit observed, and a hard deadline after which it is stopped (SIGTERM, then SIGKILL). Also tells
 * which libavformat it was built with, because the RTSP socket timeout option changed meaning in
 * ffmpeg 5 (`-timeout`; on 4.x that turns the client into a listener, `-stimeout` is the timeout).
 */
import { SupervisedChild } from '../common/child/supervised-child.ts';
import { settledWithin } from '../common/lifecycle/deadline.ts';
import { parseVersionOutput } from '../gateway/ffmpeg/ffmpeg-info.ts';

/** ffprobe's stdout for a few seconds of packets is small; anything far beyond is not ours to keep. */
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

export type FfprobeRun =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderrTail: string[] }
  | { kind: 'timed-out' }
  | { kind: 'not-started'; problem: string }
  | { kind: 'too-much-output' };

/** Runs `path args` within `deadlineMs`; never throws. */
export async function runFfprobe(path: string, args: readonly string[], deadlineMs: number, name = 'ffprobe'): Promise<FfprobeRun> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const child = SupervisedChild.spawn({
    name,
    command: path,
    args,
    termGraceMs: 500,
    killWaitMs: 1000,
    stderrTailLines: 20,
    onStdout: (chunk) => {
      bytes += chunk.length;
      if (bytes <= MAX_OUTPUT_BYTES) chunks.push(chunk);
    },
  });
  if (!(await settledWithin(child.exited, deadlineMs))) {
    await child.stop({ graceful: false });
    return { kind: 'timed-out' };
  }
  await child.outputEnded; // bounded inside SupervisedChild
  const exit = await child.exited;
  if (exit.spawnError) {
    const code = (exit.spawnError as NodeJS.ErrnoException).code ?? exit.spawnError.message;
    return { kind: 'not-started', problem: `${path}: ${code} (install ffmpeg, or set ffmpeg.ffprobe_path)` };
  }
  if (bytes > MAX_OUTPUT_BYTES) return { kind: 'too-much-output' };
  return { kind: 'exited', code: exit.code, signal: exit.signal, stdout: Buffer.concat(chunks).toString('utf8'), stderrTail: child.stderrTail() };
}

/** ffprobe's libavformat major version (59 = ffmpeg 5), or why it could not be learnt. */
export async function ffprobeAvformatMajor(path: string, deadlineMs: number): Promise<{ ok: true; libavformatMajor: number } | { ok: false; problem: string }> {
  const run = await runFfprobe(path, ['-version'], deadlineMs, 'ffprobe -version');
  if (run.kind === 'not-started') return { ok: false, problem: run.problem };
  if (run.kind !== 'exited' || run.code !== 0) return { ok: false, problem: `${path} -version: ${run.kind === 'timed-out' ? `no answer within ${deadlineMs} ms` : 'failed'}` };
  try {
    return { ok: true, libavformatMajor: parseVersionOutput(run.stdout).libavformatMajor };
  } catch {
    return { ok: false, problem: `${path} -version: no libavformat version in its output` };
  }
}
