/**
 * Asks ffprobe for a stream's picture size (the main stream's geometry, which the detector does not
 * decode when it reads a separate detect input). One bounded child per call: own process group,
 * SIGTERM at the deadline or on abort then SIGKILL a second later, output captured, exit awaited;
 * its own socket timeout ends it even if the detector dies meanwhile. It announces itself as
 * `lookout-geometry-probe` (RTSP/HTTP User-Agent), so a camera's or mediamtx's log says who asked.
 * Errors never carry the URL's password.
 */
import { execa } from 'execa';
import { whileRecorded, type ChildRecorder } from '../../common/child/recorded-run.ts';
import { secrets } from '../../common/redact.ts';
import { probeInputArgs, type DecoderInput } from '../decode/decoder-args.ts';
import type { Size } from './stream-geometry.ts';

/** The User-Agent of the probe's RTSP/HTTP requests. */
export const PROBE_USER_AGENT = 'lookout-geometry-probe';

/** The size could not be learned (unreachable, no video, deadline). The message holds no secret. */
export class VideoSizeProbeError extends Error {
  override readonly name = 'VideoSizeProbeError';
}

export interface VideoSizeProbeOptions {
  ffprobePath?: string;
  /** Deadline of the whole probe (connect, read, exit). */
  timeoutMs: number;
  /** Ends the probe early (camera paused, service stopping). */
  signal?: AbortSignal;
  /** The detector's orphan registry: the probe is recorded while it runs. */
  children?: ChildRecorder | undefined;
  owner?: string;
}

/** ffprobe's arguments for `input` (exported for tests). */
export function videoSizeProbeArgs(input: DecoderInput, timeoutMs: number): string[] {
  return ['-v', 'error', ...probeInputArgs(input, timeoutMs, PROBE_USER_AGENT), '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json'];
}

/** The first video stream's width and height; rejects with VideoSizeProbeError. */
export async function probeVideoSize(input: DecoderInput, options: VideoSizeProbeOptions): Promise<Size> {
  const child = execa(options.ffprobePath ?? 'ffprobe', videoSizeProbeArgs(input, options.timeoutMs), {
    timeout: options.timeoutMs,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    forceKillAfterDelay: 1000,
    // Own process group; ffprobe starts no children, so signalling its pid reaches the whole group.
    detached: true,
    stdin: 'ignore',
    reject: false,
  });
  const result = await whileRecorded(child, options.children, `${options.owner ?? 'detector'} size probe`);
  if (result.isCanceled) throw new VideoSizeProbeError('size probe cancelled');
  if (result.timedOut) throw new VideoSizeProbeError(`size probe did not finish within ${options.timeoutMs} ms`);
  if (result.failed) {
    // ffprobe's last line often starts with the URL: it is cut out, not just its password.
    const last = String(result.stderr ?? '').trim().split('\n').at(-1) ?? '';
    const why = secrets.redact(last.replace(/[a-z][a-z0-9+.-]*:\/\/\S*/gi, '<input>')).slice(0, 200);
    throw new VideoSizeProbeError(`ffprobe failed (${result.exitCode !== undefined ? `exit ${result.exitCode}` : (result.signal ?? 'no exit code')})${why ? `: ${why}` : ''}`);
  }
  return sizeFromProbeJson(String(result.stdout));
}

/** Parses ffprobe's `-show_entries stream=width,height -of json`; pure for tests. */
export function sizeFromProbeJson(json: string): Size {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new VideoSizeProbeError('ffprobe printed no JSON');
  }
  const stream = (parsed as { streams?: Array<{ width?: unknown; height?: unknown }> }).streams?.[0];
  const { width, height } = stream ?? {};
  if (typeof width !== 'number' || typeof height !== 'number' || !(width > 0) || !(height > 0)) throw new VideoSizeProbeError('no video stream with a size');
  return { width, height };
}
