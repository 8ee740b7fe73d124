/**
 * What one decoder run spawns and how its end reads: `all` is one ffmpeg; `keyframes` is the demux
 * stage(s) and the decode stage under one sh (keyframe-pipeline.ts). Kept apart from the Decoder's
 * supervise loop so each stays small; pure, tested through the decoder tests.
 */
import type { ChildExit } from '../../common/child/supervised-child.ts';
import { buildDecoderArgs, type DecoderArgsOptions } from './decoder-args.ts';
import { buildKeyframeDemuxStages, keyframePipelineCommand } from './keyframe-pipeline.ts';

/** The program and argv of one run. */
export function decoderCommand(ffmpegPath: string, options: DecoderArgsOptions): { command: string; args: string[] } {
  const args = buildDecoderArgs(options);
  if (options.strategy !== 'keyframes') return { command: ffmpegPath, args };
  const demux = buildKeyframeDemuxStages(options.input, options.ioTimeoutMs !== undefined ? { ioTimeoutMs: options.ioTimeoutMs } : {});
  return keyframePipelineCommand(ffmpegPath, [...demux, args]);
}

/** Why a run ended, for logs and the restart decision (never the command line: it may hold a password). */
export function exitReason(exit: ChildExit, viaShell: boolean): string {
  if (exit.spawnError) return `cannot start ffmpeg (${(exit.spawnError as NodeJS.ErrnoException).code ?? exit.spawnError.message})`;
  if (exit.code === 0) return 'input ended';
  // sh's own codes for a command it could not run (the keyframe pipeline runs ffmpeg through sh).
  if (viaShell && (exit.code === 127 || exit.code === 126)) return `cannot start ffmpeg (${exit.code === 127 ? 'ENOENT' : 'EACCES'})`;
  return `ffmpeg exited with ${exit.signal ?? `code ${exit.code}`}`;
}
