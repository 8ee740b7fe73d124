/**
 * What a camera's detection reads: the decoder's input (the detect input, per `cameras[].inputs`
 * roles and `detect.read_from`) and the camera's stream geometry (main-stream size probing for a
 * separate detect input). Kept out of service.ts so the wiring there stays about lifecycles.
 * See docs/detect-substream.md.
 */
import type { ChildRecorder } from '../common/child/recorded-run.ts';
import { hasSeparateDetectInput, inputWithRole } from '../common/config/camera-inputs.ts';
import { detectorDecoderSettings } from '../common/config/detector-decoder.ts';
import type { LookoutConfig } from '../common/config/schema.ts';
import type { CameraConfig } from '../common/config/schema-gateway.ts';
import type { Logger } from '../common/log.ts';
import { DecoderInputError, decoderInputFrom, type DecoderInput } from './decode/decoder-args.ts';
import { CameraGeometry } from './geometry/camera-geometry.ts';
import { mainProbeTargets } from './geometry/main-targets.ts';

/** The mediamtx read URL with the detector's credential (the password is registered as a secret). */
export function mediamtxReadUrl(config: LookoutConfig, cameraId: string): string {
  const { read_user: user, read_password: password } = config.detector;
  const host = config.mediamtx.host === '0.0.0.0' ? '127.0.0.1' : config.mediamtx.host;
  const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}@` : '';
  return `rtsp://${auth}${host}:${config.mediamtx.rtsp_port}/${cameraId}`;
}

/**
 * Where one camera's decoder reads from. A separate detect input (`inputs: [..., {roles: [detect]}]`,
 * a camera's sub-stream) is read directly from the camera: it is not republished, so it takes no
 * gateway slot, and the camera sees one more connection (mediamtx and viewers still get the main
 * stream). With one input, `detect.read_from` decides: mediamtx's republished stream (default) or
 * the source.
 */
export function cameraDecoderInput(config: LookoutConfig, camera: CameraConfig): DecoderInput {
  const detect = inputWithRole(camera, 'detect');
  if (hasSeparateDetectInput(camera) || camera.detect?.read_from === 'source') {
    try {
      return decoderInputFrom(detect.source, { transport: detect.rtspTransport, loop: true, realtime: true });
    } catch (error) {
      if (!(error instanceof DecoderInputError) || !hasSeparateDetectInput(camera)) throw error;
      const why = error.message.replace(/ \(use rtsp.*$|: read it from mediamtx.*$/, '');
      throw new DecoderInputError(`camera ${camera.id}: inputs[${detect.index}] (detect): ${why} (a detect input is read directly: use rtsp, http, rtmp, file or a /dev/video device)`);
    }
  }
  return decoderInputFrom(mediamtxReadUrl(config, camera.id), { transport: 'tcp' });
}

/** The camera's stream geometry; with a separate detect input the main size is probed (camera-geometry.ts). */
export function cameraGeometry(config: LookoutConfig, camera: CameraConfig, options: { logger: Logger; onHeld: () => void; children?: ChildRecorder | undefined }): CameraGeometry {
  const targets = mainProbeTargets(camera, mediamtxReadUrl(config, camera.id));
  if (targets.length === 0) return CameraGeometry.sameInput(camera.id, options.logger);
  return new CameraGeometry({
    camera: camera.id,
    detectInput: inputWithRole(camera, 'detect').index,
    mainTargets: targets,
    ...(config.ffmpeg.ffprobe_path ? { ffprobePath: config.ffmpeg.ffprobe_path } : {}),
    // mediamtx holds a reader of an on-demand camera until its publisher is up (timeouts.start).
    probeTimeoutMs: camera.timeouts.start,
    backoff: detectorDecoderSettings(config).backoff,
    logger: options.logger,
    onHeld: options.onHeld,
    children: options.children,
  });
}
