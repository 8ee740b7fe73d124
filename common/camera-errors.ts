/**
 * The one "unknown camera" error, thrown by the gateway and the detector alike. It carries the
 * reply `code` every transport maps (HTTP 404, `unknown_camera` on MQTT/NATS); the id is cut to 64
 * characters so a hostile id cannot flood a log line or a reply.
 */
export class UnknownCameraError extends Error {
  override readonly name = 'UnknownCameraError';
  readonly code = 'unknown_camera';
  constructor(
    readonly cameraId: string,
    detail?: string,
  ) {
    super(`unknown camera "${cameraId.slice(0, 64)}"${detail ? ` (${detail})` : ''}`);
  }
}
