/**
 * Where the main stream's size is probed when a camera has a separate detect input. The main
 * stream is what viewers get: mediamtx's republished stream (`detect.read_from: mediamtx`, the
 * default, no extra camera connection), or the camera's stream input itself (`read_from: source`).
 * With `video: copy` mediamtx carries the camera's picture unchanged, so when mediamtx does not
 * have the stream (the stream is paused, the gateway is not up yet), the camera's stream input
 * gives the same size and is tried next; with `video: h264` (transcoded) only mediamtx knows it.
 */
import { inputWithRole, hasSeparateDetectInput } from '../../common/config/camera-inputs.ts';
import type { CameraConfig } from '../../common/config/schema-gateway.ts';
import { DecoderInputError, decoderInputFrom } from '../decode/decoder-args.ts';
import type { MainProbeTarget } from './camera-geometry.ts';

/** The probe targets for `camera`'s main stream, in order; empty with one input (nothing to probe). */
export function mainProbeTargets(camera: CameraConfig, mediamtxUrl: string): MainProbeTarget[] {
  if (!hasSeparateDetectInput(camera)) return [];
  const stream = inputWithRole(camera, 'stream');
  const direct = (): MainProbeTarget[] => {
    try {
      return [{ from: 'camera', input: decoderInputFrom(stream.source, { transport: stream.rtspTransport }) }];
    } catch (error) {
      if (error instanceof DecoderInputError) return [];
      throw error;
    }
  };
  const viaMediamtx: MainProbeTarget = { from: 'mediamtx', input: decoderInputFrom(mediamtxUrl, { transport: 'tcp' }) };
  if (camera.detect?.read_from === 'source') {
    const targets = direct();
    if (targets.length === 0) throw new DecoderInputError(`camera ${camera.id}: inputs[${stream.index}] (stream) cannot be read directly for its size; use detect.read_from: mediamtx`);
    return targets;
  }
  return camera.video === 'copy' ? [viaMediamtx, ...direct()] : [viaMediamtx];
}
