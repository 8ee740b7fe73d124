/**
 * The one decode plan, shared by the detector service (per camera, detector/camera-assembly.ts) and
 * `lookout detect`: probe the keyframe interval when `auto` needs it, pick the strategy (keyframes
 * only when they alone give the detect fps), and pick the hardware decoder for this machine.
 * Written once so the command and the service cannot decide differently for the same stream.
 */
import type { ChildRecorder } from '../../common/child/recorded-run.ts';
import { chooseStrategy, type DecodeStrategy, type DecoderInput } from './decoder-args.ts';
import { chooseHwaccel, type HwaccelChoice, type HwaccelEnvironment, type HwaccelMode } from './hwaccel.ts';
import { probeKeyframeInterval } from './stream-probe.ts';

export interface DecodePlanRequest {
  input: DecoderInput;
  decode: 'auto' | DecodeStrategy;
  /** Detect rate; without it (every frame) `auto` means `all`. */
  fps: number | undefined;
  hwaccel: HwaccelMode;
  hwaccelDevice?: string | undefined;
  env: HwaccelEnvironment;
  ffprobePath?: string | undefined;
  /** Bound on the keyframe probe. */
  probeTimeoutMs?: number;
  /** The detector's orphan registry (the keyframe probe is recorded while it runs) and the owner's name. */
  children?: ChildRecorder | undefined;
  owner?: string;
}

export interface DecodePlan {
  strategy: DecodeStrategy;
  /** Longest keyframe gap seen by the probe (only probed for `auto`). */
  keyframeInterval: number | undefined;
  hwaccel: HwaccelChoice;
}

export async function planDecode(request: DecodePlanRequest): Promise<DecodePlan> {
  const needsProbe = request.decode === 'auto' && request.fps !== undefined;
  const keyframeInterval = needsProbe
    ? await probeKeyframeInterval(request.input, {
        ffprobePath: request.ffprobePath,
        timeoutMs: request.probeTimeoutMs ?? 8000,
        children: request.children,
        ...(request.owner ? { owner: request.owner } : {}),
      })
    : undefined;
  return {
    strategy: chooseStrategy(request.decode, request.fps, keyframeInterval),
    keyframeInterval,
    hwaccel: chooseHwaccel(request.hwaccel, request.env, request.hwaccelDevice),
  };
}
