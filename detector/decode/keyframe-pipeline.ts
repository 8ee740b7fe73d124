/**
 * `decode: keyframes` as two ffmpegs in one pipe, so each keyframe comes out as soon as it arrived.
 *
 * Why not one ffmpeg with `-skip_frame nokey` (measured with ffmpeg 5.1, 2 s GOP, 25 fps): the H.264
 * decoder holds each picture until `has_b_frames` (the SPS's num_reorder_frames; 2 for x264's
 * B-pyramid) *more* pictures were decoded, and with every non-key frame skipped those are the next
 * keyframes: 4 s late with B-frames. Frame threading adds threads-1 more decoded pictures. Neither
 * `-flags low_delay` nor `-strict` changes the reorder depth taken from the SPS, and no ffmpeg 5.1
 * bitstream filter rewrites it.
 *
 * So the demux stage copies the video (`-c:v copy`; over RTSP the h264 parser sets the key flags)
 * and the `noise` bitstream filter drops every packet except a keyframe and the packets after it
 * in decode order that fill the reorder buffer behind it (none without B-frames); the decode stage
 * decodes those (slice threads only: no frame-thread delay), which pushes the keyframe out at
 * once, and keeps only key frames (`select`, in decoder-args.ts). Packets go between the stages
 * as NUT: each packet is framed with its size, so the reader never waits for the next packet to
 * know one is complete (raw H.264 and MPEG-TS without PES lengths would).
 *
 * Both ffmpegs run under one `sh` in one process group: the supervised child (its group signalled
 * on stop, SIGTERM then SIGKILL, stderr drained, exit observed until the group is empty), the
 * orphan registry record and SIGSTOP/SIGCONT cover both, and they always restart together. When
 * either ends, the other sees EOF or EPIPE and ends too.
 */
import { inputArgs, type DecoderInput } from './decoder-args.ts';

/**
 * Packets decoded after each keyframe when its timestamps do not tell the reorder depth (no pts or
 * dts, no duration): 2, x264's B-pyramid and the usual camera with B-frames.
 */
export const KEYFRAME_FOLLOWERS = 2;

/** The most followers a keyframe's timestamps may ask for (H.264's largest reorder depth). */
const MAX_FOLLOWERS = 16;

/**
 * The `noise` bsf's drop expression: keep a keyframe and the packets after it that flush it out of
 * the reorder buffer; drop everything else, including whatever comes before the first keyframe (a
 * reader that joins mid-GOP). How many follow is the keyframe's own reorder delay, pts - dts in
 * frames (the demuxer or ffmpeg's parser sets dts that far back for a stream with B-frames): 0
 * without B-frames, so only keyframes are decoded; `followers` fixes the number instead.
 * Variables: 0 = the keyframe's packet number, 1 = a keyframe was seen, 2 = followers.
 */
export function keyframeDropExpression(followers?: number): string {
  const depth = followers !== undefined ? String(followers) : `if(eq(pts,nopts)+eq(dts,nopts)+not(gt(duration,0)),${KEYFRAME_FOLLOWERS},clip(round((pts-dts)/duration),0,${MAX_FOLLOWERS}))`;
  return `if(key,st(2,${depth})*0+st(1,1)*st(0,n)*0,not(ld(1))+gt(n-ld(0),ld(2)))`;
}

const QUIET = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning'];
const COPY_VIDEO = ['-map', '0:v:0', '-an', '-sn', '-dn', '-c:v', 'copy'];
/** NUT on stdout, each packet flushed; original timestamps (NUT would otherwise shift a B-frame stream's negative dts, and every pts with it). */
const NUT_OUT = ['-avoid_negative_ts', 'disabled', '-flush_packets', '1', '-f', 'nut', 'pipe:1'];
/** NUT from stdin without probing delay (the NUT header already describes the stream). */
const NUT_IN = ['-probesize', '32', '-analyzeduration', '0', '-f', 'nut', '-i', 'pipe:0'];

/**
 * The demux stage(s): read the source, keep keyframes and their followers, write NUT on stdout.
 * A looped file takes two: ffmpeg 5.1 flushes a stream copy's bitstream filters at every
 * `-stream_loop` turn and then fails on the next packet ("A non-NULL packet sent after an EOF"),
 * so the loop is copied through a stage of its own and the filter runs in the next one.
 */
export function buildKeyframeDemuxStages(input: DecoderInput, options: { ioTimeoutMs?: number; followers?: number } = {}): string[][] {
  // A network source's first keyframe waited ~1.1 s while ffmpeg probed the frame rate (20 frames
  // after the first keyframe; measured over RTSP, 25 fps): a copy needs no rate, so skip that probe.
  const probe = input.kind === 'rtsp' || input.kind === 'http' || input.kind === 'rtmp' ? ['-fpsprobesize', '0'] : [];
  const source = [...probe, ...inputArgs(input, options.ioTimeoutMs ?? 10_000)];
  const keep = ['-bsf:v', `noise=drop='${keyframeDropExpression(options.followers)}'`];
  if (input.kind === 'file' && input.loop) return [[...QUIET, ...source, ...COPY_VIDEO, ...NUT_OUT], [...QUIET, ...NUT_IN, ...COPY_VIDEO, ...keep, ...NUT_OUT]];
  return [[...QUIET, ...source, ...COPY_VIDEO, ...keep, ...NUT_OUT]];
}

/** Single-quotes one word for sh (any byte but NUL is safe inside single quotes). */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `sh -c 'trap : TERM; demux | … | decode'`: one process group for every stage. The trap keeps
 * sh waiting on SIGTERM (a caught signal is reset to the default in the ffmpegs, an ignored one
 * would not be), so the ffmpegs end on their own terms (an RTSP reader sends TEARDOWN) and sh's
 * exit, which the supervisor observes, comes after theirs.
 */
export function keyframePipelineCommand(ffmpegPath: string, stages: ReadonlyArray<readonly string[]>): { command: string; args: string[] } {
  const line = (args: readonly string[]) => [ffmpegPath, ...args].map(shellQuote).join(' ');
  return { command: 'sh', args: ['-c', `trap : TERM; ${stages.map(line).join(' | ')}`] };
}
