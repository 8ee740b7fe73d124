/**
 * The named errors of the pipeline manager. Each says its reply `code` (the one table in
 * common/http/error-envelope.ts maps it to an HTTP status; MQTT/NATS send the code itself), and
 * carries what an operator needs (camera id, limit) and never a secret.
 */

/** The camera id is not in the configuration (one definition for gateway and detector). */
export { UnknownCameraError } from '../../common/camera-errors.ts';

/** An explicit start found every slot taken; explicit starts never queue. */
export class SlotsExhaustedError extends Error {
  override name = 'SlotsExhaustedError';
  readonly code = 'conflict';
  constructor(
    readonly cameraId: string,
    readonly limit: number,
    readonly holders: readonly string[],
  ) {
    super(
      `cannot start camera "${cameraId}": all ${limit} pipeline slots are in use (pipelines.limit=${limit}` +
        `${holders.length > 0 ? `; held by ${holders.join(', ')}` : ''}); pause another camera first`,
    );
  }
}

/** The manager is shutting down and accepts no new work. */
export class ShuttingDownError extends Error {
  override name = 'ShuttingDownError';
  readonly code = 'unavailable';
  constructor(readonly cameraId?: string) {
    super(cameraId ? `gateway is shutting down; command for camera "${cameraId}" refused` : 'gateway is shutting down');
  }
}

/** The first attempt of an explicit start ended before publishing was confirmed. */
export class PipelineStartError extends Error {
  override name = 'PipelineStartError';
  readonly code: 'unavailable' | 'timeout' = 'unavailable';
  constructor(
    readonly cameraId: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`camera "${cameraId}" did not start publishing: ${reason}; retrying with backoff`, options);
  }
}

/** No progress appeared within the camera's start timeout. */
export class StartTimeoutError extends PipelineStartError {
  override name = 'StartTimeoutError';
  override readonly code = 'timeout';
  constructor(
    cameraId: string,
    readonly timeoutMs: number,
  ) {
    super(cameraId, `no progress within ${timeoutMs} ms (timeouts.start)`);
  }
}

/** An on-demand request for a paused camera (resume it first). */
export class CameraPausedError extends Error {
  override name = 'CameraPausedError';
  readonly code = 'conflict';
  constructor(readonly cameraId: string) {
    super(`camera "${cameraId}" is paused; resume it before requesting a stream`);
  }
}

/** A command stopped waiting because a later command for the same camera arrived. */
export class CommandSupersededError extends Error {
  override name = 'CommandSupersededError';
  readonly code = 'conflict';
  constructor(
    readonly cameraId: string,
    readonly command: string,
  ) {
    super(`${command} of camera "${cameraId}" was superseded by a later command before it completed`);
  }
}
