/**
 * What `lookout detect` writes: one JSON line per sampled frame on stdout, and logs (pino, through
 * the secret redaction) on stderr, so stdout carries nothing but the JSON lines.
 */
import { pino } from 'pino';
import type { Logger } from '../../common/log.ts';
import { secrets } from '../../common/redact.ts';
import type { DecodedFrame } from '../../detector/decode/frame-parser.ts';
import type { Detection } from '../../detector/model/types.ts';

/** Logs go to stderr here: stdout carries only the JSON lines. Strings pass the secret redaction. */
export function stderrLogger(level: string): Logger {
  return pino(
    {
      name: 'lookout-detect',
      level,
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((arg) => (typeof arg === 'string' ? secrets.redact(arg) : typeof arg === 'object' && arg !== null ? JSON.parse(secrets.redact(JSON.stringify(arg))) : arg)) as Parameters<typeof method>;
          method.apply(this, cleaned);
        },
      },
    },
    pino.destination(2),
  );
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** What the motion gate said about a printed frame. */
export interface FrameFlags {
  motion: boolean;
  inferred: boolean;
}

/** The printed JSON line for one frame. */
export function frameLine(frame: DecodedFrame, detections: Detection[], flags: FrameFlags): string {
  return JSON.stringify({
    frame: frame.index,
    pts: round(frame.pts, 6),
    width: frame.letterbox.srcWidth,
    height: frame.letterbox.srcHeight,
    motion: flags.motion,
    inferred: flags.inferred,
    detections: detections.map((detection) => ({
      label: detection.label,
      class: detection.class,
      score: round(detection.score, 4),
      box: detection.box.map((value) => round(value, 1)),
    })),
  });
}
