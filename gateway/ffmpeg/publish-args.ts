/**
 * ffmpeg argv for one publish pipeline: the camera's `stream` input → (copy | h264) → RTSP publish
 * into mediamtx. Only the input with the role `stream` is read here (with its own `rtsp_transport`,
 * else the camera's); a separate `detect` input is the detector's and never enters this argv.
 * A pure function of the camera config, the probed ffmpeg version and the publish target, so every
 * source kind and both ffmpeg generations are unit-tested without running anything.
 *
 * Choices that matter:
 * - stdin stays open (no `-nostdin`): stopping writes `q` so ffmpeg closes the RTSP session cleanly.
 * - `-progress pipe:3 -stats_period 0.5` feeds the stall detector; `-nostats` keeps stderr quiet.
 * - Short probing so a resumed stream publishes within a second.
 * - Every input gets a `-protocol_whitelist` for its kind, the output one for RTSP, so a crafted
 *   URL (e.g. an HLS playlist or `concat:`/`subfile:` tricks) cannot make ffmpeg read local files.
 * - RTSP socket timeout: `-timeout` on ffmpeg ≥ 5 (libavformat ≥ 59), `-stimeout` before; on 4.x
 *   `-timeout` means listen mode. RTMP input gets `-rw_timeout` (its `-timeout` also means listen).
 */
import type { CameraConfig } from '../../common/config/schema-gateway.ts';
import { inputWithRole, type CameraInput } from '../../common/config/camera-inputs.ts';
import { parseCameraSource, type CameraSource } from '../../common/config/camera-source.ts';
import type { FfmpegInfo } from './ffmpeg-info.ts';
import { testsrcGraph } from './testsrc-graph.ts';

/** The parts of a camera's config that shape its publish command. */
export type PublishCamera = Pick<CameraConfig, 'id' | 'source' | 'video' | 'audio' | 'rtsp_transport' | 'timeouts'> & {
  transcode?: CameraConfig['transcode'];
  inputs?: CameraConfig['inputs'];
};

export interface PublishTarget {
  /** rtsp://[user:pass@]host:port/<camera id> */
  url: string;
  transport: 'tcp' | 'udp';
}

export interface PublishArgsOptions {
  loglevel?: string;
  /** fd number ffmpeg writes `-progress` blocks to (the launcher opens it as a pipe). */
  progressFd?: number;
}

/** Protocols each input kind may open; nothing here can read a local file except `file` itself. */
export const INPUT_PROTOCOLS: Record<CameraSource['kind'], string | undefined> = {
  rtsp: 'rtsp,rtsps,rtp,srtp,udp,tcp,tls',
  http: 'http,https,tcp,tls',
  rtmp: 'rtmp,rtmps,rtmpt,rtmpts,tcp,tls',
  file: 'file',
  v4l2: 'file',
  // lavfi opens no protocol; the graph is built from numbers only.
  testsrc: undefined,
};
export const OUTPUT_PROTOCOLS = 'rtsp,rtsps,rtp,srtp,udp,tcp,tls';

/** Probe limits: enough for an SPS/PPS on a 1 s GOP camera, small enough for a quick resume. */
const PROBE = ['-analyzeduration', '1000000', '-probesize', '1000000'];

function microseconds(ms: number): string {
  return String(Math.round(ms * 1000));
}

/** `-stats_period` arrived in ffmpeg 4.4; older builds reject the option. */
function supportsStatsPeriod(info: Pick<FfmpegInfo, 'major' | 'version'>): boolean {
  return info.major >= 5 || /^n?4\.4/.test(info.version);
}

function inputArgs(source: CameraSource, input: CameraInput, camera: PublishCamera, info: Pick<FfmpegInfo, 'libavformatMajor'>): string[] {
  const whitelist = INPUT_PROTOCOLS[source.kind];
  const allow = whitelist ? ['-protocol_whitelist', whitelist] : [];
  const io = microseconds(camera.timeouts.io);
  switch (source.kind) {
    case 'rtsp': {
      const timeoutFlag = info.libavformatMajor >= 59 ? '-timeout' : '-stimeout';
      return [...PROBE, '-fflags', '+genpts', '-rtsp_transport', input.rtspTransport, timeoutFlag, io, ...allow, '-i', source.url];
    }
    case 'http':
      return [
        ...PROBE,
        '-fflags', '+genpts',
        '-use_wallclock_as_timestamps', '1',
        '-rw_timeout', io,
        '-reconnect', '1', '-reconnect_streamed', '1', '-reconnect_on_network_error', '1', '-reconnect_delay_max', '2',
        ...allow, '-i', source.url,
      ];
    case 'rtmp':
      return [...PROBE, '-fflags', '+genpts', '-rw_timeout', io, ...allow, '-i', source.url];
    case 'v4l2':
      return [...PROBE, '-f', 'v4l2', ...allow, '-i', source.device];
    case 'file':
      return [...PROBE, '-re', '-stream_loop', '-1', '-fflags', '+genpts', ...allow, '-i', source.path];
    case 'testsrc':
      return ['-re', '-f', 'lavfi', '-i', testsrcGraph(source)];
  }
}

function videoFilters(camera: PublishCamera): string[] {
  const t = camera.transcode;
  const filters: string[] = [];
  if (t?.width !== undefined || t?.height !== undefined) filters.push(`scale=${t.width ?? -2}:${t.height ?? -2}`);
  if (t?.fps !== undefined) filters.push(`fps=${t.fps}`);
  return filters.length > 0 ? ['-vf', filters.join(',')] : [];
}

function videoArgs(source: CameraSource, camera: PublishCamera): string[] {
  const encode = camera.video === 'h264' || source.kind === 'testsrc';
  if (!encode) return ['-c:v', 'copy'];
  const t = camera.transcode;
  const fps = t?.fps ?? (source.kind === 'testsrc' ? source.rate : undefined);
  // A keyframe every second (or every `gop` frames) lets a new reader start quickly.
  const gop = t?.gop ?? (fps !== undefined ? Math.max(1, Math.round(fps)) : undefined);
  const keyframes = gop !== undefined ? ['-g', String(gop), '-keyint_min', String(gop)] : ['-force_key_frames', 'expr:gte(t,n_forced*1)'];
  const rate = t?.bitrate_kbps !== undefined ? ['-b:v', `${t.bitrate_kbps}k`, '-maxrate', `${t.bitrate_kbps}k`, '-bufsize', `${t.bitrate_kbps * 2}k`] : [];
  const preset = t?.preset ?? (source.kind === 'testsrc' ? 'ultrafast' : 'veryfast');
  return [...videoFilters(camera), '-c:v', 'libx264', '-preset', preset, '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', ...keyframes, ...rate];
}

function audioArgs(source: CameraSource, camera: PublishCamera): string[] {
  if (source.kind === 'testsrc' || source.kind === 'v4l2' || camera.audio === 'drop') return ['-an'];
  return camera.audio === 'copy' ? ['-map', '0:a:0?', '-c:a', 'copy'] : ['-map', '0:a:0?', '-c:a', 'aac', '-b:a', '64k'];
}

/** The full ffmpeg argv (without the binary) for publishing `camera` to `target`. */
export function buildPublishArgs(
  camera: PublishCamera,
  info: Pick<FfmpegInfo, 'major' | 'version' | 'libavformatMajor'>,
  target: PublishTarget,
  options: PublishArgsOptions = {},
): string[] {
  const input = inputWithRole(camera, 'stream');
  const source = parseCameraSource(input.source);
  const progressFd = options.progressFd ?? 3;
  const stats = supportsStatsPeriod(info) ? ['-stats_period', '0.5'] : [];
  return [
    '-hide_banner',
    '-loglevel', options.loglevel ?? 'warning',
    '-nostats',
    '-progress', `pipe:${progressFd}`,
    ...stats,
    ...inputArgs(source, input, camera, info),
    '-map', '0:v:0',
    ...videoArgs(source, camera),
    ...audioArgs(source, camera),
    '-f', 'rtsp',
    '-rtsp_transport', target.transport,
    '-protocol_whitelist', OUTPUT_PROTOCOLS,
    target.url,
  ];
}
