/**
 * Turns a camera id into what the pipeline manager spawns: the ffmpeg binary, the publish argv,
 * `q` as the graceful quit, progress on fd 3, and the per-pipeline publish secret marked so it is
 * redacted from the stderr tail and every log line.
 *
 * Publishing goes to mediamtx with credentials from the sidecar integration when there is one;
 * without it (tests, an external RTSP server) to `publish_url` without credentials.
 */
import type { CameraConfig } from '../../common/config/schema-gateway.ts';
import type { FfmpegInfo } from '../ffmpeg/ffmpeg-info.ts';
import type { LaunchSpec, Launcher } from './pipeline-attempt.ts';
import { UnknownCameraError } from './pipeline-errors.ts';
import { buildPublishArgs } from '../ffmpeg/publish-args.ts';

/** Issues the publish user/password for one pipeline (gateway/mediamtx/publish-credentials.ts). */
export interface PublishCredentialSource {
  issue(cameraId: string): { user: string; password: string };
}

export interface LauncherOptions {
  cameras: readonly CameraConfig[];
  ffmpeg: FfmpegInfo;
  /** rtsp://host:port[/prefix]; the camera id is appended as the path. */
  publishUrlBase: string;
  publishTransport: 'tcp' | 'udp';
  loglevel?: string;
  credentials?: PublishCredentialSource | undefined;
}

/** The URL a camera publishes to, with credentials in the user-info when given. */
export function publishUrl(base: string, cameraId: string, credentials?: { user: string; password: string }): string {
  const url = new URL(`${base.replace(/\/+$/, '')}/${cameraId}`);
  if (credentials) {
    url.username = encodeURIComponent(credentials.user);
    url.password = encodeURIComponent(credentials.password);
  }
  return url.toString();
}

const PROGRESS_FD = 3;

export function createLauncher(options: LauncherOptions): Launcher {
  const byId = new Map(options.cameras.map((camera) => [camera.id, camera]));
  return (cameraId: string): LaunchSpec => {
    const camera = byId.get(cameraId);
    if (!camera) throw new UnknownCameraError(cameraId);
    const credentials = options.credentials?.issue(cameraId);
    const args = buildPublishArgs(
      camera,
      options.ffmpeg,
      { url: publishUrl(options.publishUrlBase, cameraId, credentials), transport: options.publishTransport },
      { progressFd: PROGRESS_FD, ...(options.loglevel ? { loglevel: options.loglevel } : {}) },
    );
    return {
      command: options.ffmpeg.path,
      args,
      progressFd: PROGRESS_FD,
      quitInput: 'q',
      ...(credentials ? { secret: credentials.password } : {}),
    };
  };
}
