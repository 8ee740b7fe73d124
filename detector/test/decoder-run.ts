/**
 * Runs a decoder until `count` frames came (bounded by `timeoutMs`), then stops it: when it
 * started and what it delivered. Shared by the keyframe-latency test and `npm run bench:decode`.
 */
import { settledWithin } from '../../common/lifecycle/deadline.ts';
import { Decoder, type DecoderOptions } from '../decode/decoder.ts';
import type { DecodedFrame } from '../decode/frame-parser.ts';

export interface DecoderRun {
  startedAt: number;
  frames: DecodedFrame[];
}

/** Runs a keyframes decoder until `count` frames came (bounded), then stops it. */
export async function runDecoder(options: DecoderOptions, count: number, timeoutMs: number): Promise<DecoderRun> {
  const frames: DecodedFrame[] = [];
  let startedAt = 0;
  let enough: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    enough = resolve;
  });
  const decoder = new Decoder({
    ...options,
    onEvent: (event) => {
      if (event.type === 'started' && startedAt === 0) startedAt = Date.now();
      options.onEvent?.(event);
    },
    onFrame: (frame) => {
      frames.push(frame);
      if (frames.length >= count) enough();
    },
  });
  decoder.start();
  void decoder.ended.then(enough);
  await settledWithin(done, timeoutMs);
  await decoder.stop();
  return { startedAt, frames };
}
