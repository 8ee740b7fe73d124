/**
 * Which of a camera's inputs plays which role. A camera is written either with one `source` (both
 * roles) or with `inputs: [{source, roles}]`, e.g. a 1080p main stream the gateway republishes and
 * a 640×360 sub-stream the detector decodes (Frigate's `roles: [detect]`). Everything that needs an
 * input asks here, so the shorthand and the long form cannot drift apart.
 */
import type { CameraConfig, CameraInputConfig, InputRole } from './schema-gateway.ts';

/** One input, resolved: its transport is the camera's unless the input sets its own. */
export interface CameraInput {
  source: string;
  roles: InputRole[];
  rtspTransport: 'tcp' | 'udp';
  /** Its position in `cameras[].inputs` (0 for the `source` shorthand), for messages. */
  index: number;
}

type InputsOf = Pick<CameraConfig, 'source' | 'rtsp_transport'> & { inputs?: CameraInputConfig[] | undefined };

/** Every input of the camera in config order (the shorthand gives one with both roles). */
export function cameraInputs(camera: InputsOf): CameraInput[] {
  if (!camera.inputs) return [{ source: camera.source, roles: ['stream', 'detect'], rtspTransport: camera.rtsp_transport, index: 0 }];
  return camera.inputs.map((input, index) => ({ source: input.source, roles: input.roles, rtspTransport: input.rtsp_transport ?? camera.rtsp_transport, index }));
}

/** The input with `role` (the schema guarantees exactly one). */
export function inputWithRole(camera: InputsOf, role: InputRole): CameraInput {
  const input = cameraInputs(camera).find((candidate) => candidate.roles.includes(role));
  if (!input) throw new Error(`camera has no input with the role "${role}"`);
  return input;
}

/** True when the detector decodes a different input than the one the gateway republishes. */
export function hasSeparateDetectInput(camera: InputsOf): boolean {
  return inputWithRole(camera, 'detect').index !== inputWithRole(camera, 'stream').index;
}
