/**
 * What `lookout doctor` learns about one camera input from ffprobe: size, codec, profile, fps, the
 * keyframe interval (GOP) and whether B-frames are present. ffprobe reads only a few seconds of
 * packets (`-read_intervals %+N`) and runs under a hard deadline (doctor-ffprobe.ts), so a camera
 * that never answers is a clear failure, not a hang. Its messages never carry the input's URL: a
 * doctor report gets pasted into issues.
 */
import type { CameraInput } from '../common/config/camera-inputs.ts';
import { parseCameraSource } from '../common/config/camera-source.ts';
import { redactText } from '../common/redact.ts';
import { INPUT_PROTOCOLS } from '../gateway/ffmpeg/publish-args.ts';
import { runFfprobe } from './doctor-ffprobe.ts';

/** The keyframe interval: measured, or only bounded below when fewer than two keyframes came. */
export type Gop = { frames: number; seconds: number } | { longerThanSeconds: number };

export interface StreamFacts {
  codec: string;
  profile?: string;
  width: number;
  height: number;
  fps?: number;
  gop?: Gop;
  bFrames: boolean;
}

/** Why a probe failed: the input did not answer in time, it answered with an error, or ffprobe itself. */
export type ProbeFailure = 'no-answer' | 'input' | 'ffprobe';

export type ProbeOutcome = { ok: true; facts: StreamFacts } | { ok: false; problem: string; cause: ProbeFailure };

export interface ProbeOptions {
  ffprobePath: string;
  /** Seconds of packets to read (the GOP is measured inside this window). */
  windowSec: number;
  /** Hard bound on the whole probe (connect + window), after which ffprobe is stopped. */
  deadlineMs: number;
  /** ffprobe's libavformat major: from 59 (ffmpeg 5) the RTSP socket timeout is `-timeout`. */
  libavformatMajor: number;
}

interface ProbeJson {
  streams?: Array<{ codec_name?: string; profile?: string; width?: number; height?: number; avg_frame_rate?: string; r_frame_rate?: string; has_b_frames?: number }>;
  packets?: Array<{ pts_time?: string; flags?: string }>;
}

/** ffprobe's argv for one input: its kind's protocol whitelist and transport, the packet window. */
export function probeArgs(input: CameraInput, options: Pick<ProbeOptions, 'windowSec' | 'deadlineMs' | 'libavformatMajor'>): string[] | undefined {
  const source = parseCameraSource(input.source);
  // ffprobe's own socket timeout, beyond our deadline: it only matters if doctor itself is killed.
  const socketTimeout = String(options.deadlineMs * 2 * 1000);
  let io: string[];
  let target: string;
  switch (source.kind) {
    case 'rtsp':
      io = ['-rtsp_transport', input.rtspTransport, options.libavformatMajor >= 59 ? '-timeout' : '-stimeout', socketTimeout];
      target = source.url;
      break;
    case 'http':
      // MJPEG over HTTP has no timestamps of its own (ffmpeg assumes 25 fps): use arrival times,
      // as the publish pipeline does, so the window is real seconds.
      io = ['-use_wallclock_as_timestamps', '1', '-rw_timeout', socketTimeout];
      target = source.url;
      break;
    case 'rtmp':
      io = ['-rw_timeout', socketTimeout];
      target = source.url;
      break;
    case 'file':
      io = [];
      target = source.path;
      break;
    case 'v4l2':
    case 'testsrc':
      return undefined;
  }
  const whitelist = INPUT_PROTOCOLS[source.kind];
  return [
    '-v', 'error',
    ...io,
    ...(whitelist ? ['-protocol_whitelist', whitelist] : []),
    '-select_streams', 'v:0',
    '-read_intervals', `%+${options.windowSec}`,
    '-show_entries', 'stream=codec_name,profile,width,height,avg_frame_rate,r_frame_rate,has_b_frames:packet=pts_time,flags',
    '-of', 'json',
    target,
  ];
}

function rate(text: string | undefined): number | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text ?? '');
  if (!match || Number(match[2]) === 0) return undefined;
  const value = Number(match[1]) / Number(match[2]);
  return value > 0 && value <= 240 ? value : undefined;
}

function median(values: number[]): number | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The facts in ffprobe's JSON (pure, for tests); undefined when it holds no video stream. */
export function factsFromProbe(json: ProbeJson): StreamFacts | undefined {
  const stream = json.streams?.[0];
  if (!stream?.width || !stream.height) return undefined;
  // Packets come in decode order; keep the ones with a timestamp.
  const packets = (json.packets ?? []).flatMap((packet) => {
    const pts = Number(packet.pts_time);
    return packet.pts_time !== undefined && Number.isFinite(pts) ? [{ pts, key: (packet.flags ?? '').includes('K') }] : [];
  });
  const times = packets.map((packet) => packet.pts).sort((a, b) => a - b);
  const first = times[0];
  const last = times.at(-1);
  const span = first !== undefined && last !== undefined ? last - first : 0;
  // Frames per second from the packets themselves (RTSP streams often report no average rate).
  const measuredFps = packets.length >= 10 && span > 0 ? (packets.length - 1) / span : undefined;
  const fps = measuredFps ?? rate(stream.avg_frame_rate) ?? rate(stream.r_frame_rate);
  // A packet shown before one decoded earlier means reordered frames: B-frames.
  let latest = -Infinity;
  let reordered = false;
  for (const packet of packets) {
    if (packet.pts < latest) reordered = true;
    latest = Math.max(latest, packet.pts);
  }
  const keys = packets.flatMap((packet, index) => (packet.key ? [{ index, pts: packet.pts }] : []));
  let gop: Gop | undefined;
  if (keys.length >= 2) {
    const frames = median(keys.slice(1).map((key, i) => key.index - (keys[i]?.index ?? 0)));
    const seconds = median(keys.slice(1).map((key, i) => key.pts - (keys[i]?.pts ?? 0)));
    if (frames !== undefined && seconds !== undefined) gop = { frames, seconds };
  } else if (last !== undefined && first !== undefined && span > 0) {
    // Fewer than two keyframes: the interval is at least the longest stretch watched without one.
    const key = keys[0]?.pts;
    gop = { longerThanSeconds: key === undefined ? span : Math.max(key - first, last - key) };
  }
  return {
    codec: stream.codec_name ?? 'unknown',
    ...(stream.profile ? { profile: stream.profile } : {}),
    width: stream.width,
    height: stream.height,
    ...(fps !== undefined ? { fps } : {}),
    ...(gop ? { gop } : {}),
    bFrames: (stream.has_b_frames ?? 0) > 0 || reordered,
  };
}

/** ffprobe's last complaint, without the input's URL or its password. */
function problemFrom(stderr: string[], input: CameraInput): string {
  const line = [...stderr].reverse().find((text) => text.trim() !== '') ?? '';
  // The tail is already redacted (user:***@), so both spellings of the URL are replaced.
  let text = line.split(input.source).join('the input').split(redactText(input.source)).join('the input');
  try {
    const { password } = new URL(input.source);
    if (password) for (const form of [password, decodeURIComponent(password)]) text = text.split(form).join('***');
  } catch {
    // not a URL (file path): nothing secret in it
  }
  return redactText(text.trim()).slice(0, 200);
}

/** Probes one input; never throws, never outlives `deadlineMs` (plus the bounded stop). */
export async function probeInput(input: CameraInput, options: ProbeOptions): Promise<ProbeOutcome> {
  const args = probeArgs(input, options);
  if (!args) return { ok: false, problem: 'this kind of input is not probed', cause: 'ffprobe' };
  const run = await runFfprobe(options.ffprobePath, args, options.deadlineMs, `ffprobe input ${input.index}`);
  switch (run.kind) {
    case 'timed-out':
      return { ok: false, problem: `no answer within ${options.deadlineMs} ms`, cause: 'no-answer' };
    case 'not-started':
      return { ok: false, problem: run.problem, cause: 'ffprobe' };
    case 'too-much-output':
      return { ok: false, problem: 'ffprobe wrote more than 4 MB', cause: 'input' };
    case 'exited':
      break;
  }
  if (run.code !== 0) return { ok: false, problem: problemFrom(run.stderrTail, input) || `ffprobe exited with ${String(run.code ?? run.signal)}`, cause: 'input' };
  let json: ProbeJson;
  try {
    json = JSON.parse(run.stdout) as ProbeJson;
  } catch {
    return { ok: false, problem: 'ffprobe output is not JSON', cause: 'input' };
  }
  const facts = factsFromProbe(json);
  return facts ? { ok: true, facts } : { ok: false, problem: 'no video stream', cause: 'input' };
}
