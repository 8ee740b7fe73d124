/**
 * What a decoder is given and what it reports (its options, events and end). Apart from decoder.ts
 * so that file is the run/restart behaviour alone.
 */
import type { BackoffOptions } from '../../common/lifecycle/backoff.ts';
import type { ChildExit } from '../../common/child/supervised-child.ts';
import type { Logger } from '../../common/log.ts';
import type { FullFrame } from '../latest-frame/full-frame.ts';
import type { DecodeStrategy, DecoderInput } from './decoder-args.ts';
import type { DecodedFrame } from './frame-parser.ts';
import type { ConcreteHwaccel, HwaccelFallback } from './hwaccel.ts';

/** Restart pacing (common/lifecycle/backoff.ts); `resetAfterMs`: a run at least this long resets it. */
export type DecoderBackoff = BackoffOptions;

/** Something a decoder did that metrics and logs care about. */
export type DecoderEvent =
  | { type: 'started'; pid: number | undefined; hwaccel: ConcreteHwaccel }
  /** The child's exit was observed (it and its process group are gone). */
  | { type: 'exited'; pid: number | undefined }
  | { type: 'restart'; reason: string }
  | { type: 'fallback'; from: ConcreteHwaccel; reason: string };

export interface DecoderOptions {
  /** Camera id (logs, child name). */
  name: string;
  ffmpegPath?: string;
  input: DecoderInput;
  strategy: DecodeStrategy;
  fps?: number;
  width: number;
  height: number;
  hwaccel: HwaccelFallback;
  /** Restart after exit (service) or end at the first normal exit (CLI over a file). */
  restart: boolean;
  /** No frame for this long (after the first) ⇒ the child is killed and restarted. */
  stallMs: number;
  /** No first frame within this long ⇒ same. */
  startMs: number;
  backoff: DecoderBackoff;
  /** A hardware run that delivered fewer frames than this, or ran shorter than hwEarlyMs, failed early. */
  hwEarlyFrames?: number;
  hwEarlyMs?: number;
  ioTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace when stopping the child. */
  stopGraceMs?: number;
  logger: Logger;
  onFrame: (frame: DecodedFrame) => void;
  onEvent?: (event: DecoderEvent) => void;
  /** With `onFullFrame`: also deliver every sampled frame at this height (snapshots, latest.jpg). */
  fullFrameHeight?: number;
  /** Full frames, numbered like the model frames (same index = same picture). */
  onFullFrame?: (frame: FullFrame) => void;
}

/** Why a decoder ended for good (CLI mode): the input ended, or ffmpeg failed. */
export interface DecoderEnd {
  ok: boolean;
  reason: string;
  exit?: ChildExit;
  stderrTail: string[];
}
