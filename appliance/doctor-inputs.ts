/**
 * `lookout doctor`'s line per camera input: what ffprobe sees (size, codec, profile, fps, GOP,
 * B-frames) and the problems a user can fix at the camera: a detector decoding a 1080p+ main stream
 * or a detect input wider than 1280 px (the camera's sub-stream is what detection wants), keyframes
 * further apart than 4 s (viewers and the detector can only start at a keyframe), an input that does
 * not answer. Each line names the camera id, the input's index and its roles, never its URL.
 */
import { cameraInputs, hasSeparateDetectInput, type CameraInput } from '../common/config/camera-inputs.ts';
import { parseCameraSource } from '../common/config/camera-source.ts';
import type { CameraConfig } from '../common/config/schema-gateway.ts';
import type { CheckContext, CheckResult } from './doctor-checks.ts';
import { ffprobeAvformatMajor } from './doctor-ffprobe.ts';
import { probeInput, type Gop, type ProbeOutcome, type StreamFacts } from './doctor-probe.ts';
import { redactText } from '../common/redact.ts';

/** Wider than this, a detect input costs decode time for no detection gain (the model sees 640 px). */
const DETECT_MAX_WIDTH = 1280;
/** Keyframes further apart than this delay every viewer start and every detector (re)start. */
const GOP_MAX_SECONDS = 4;
/** Seconds of packets read per input by default. */
export const DEFAULT_PROBE_WINDOW_SEC = 6;

const SUBSTREAM_HINT = "add the camera's sub-stream (e.g. 640×360) as a second input with roles [detect] and give this one roles [stream] (docs/cameras.md)";
const GOP_HINT = `set the camera's keyframe (I-frame) interval to ${GOP_MAX_SECONDS} s or less (e.g. twice its fps, in frames)`;

/** What the detector decodes for this input: the gateway's transcode when it reads the republished stream. */
function detectGeometry(camera: CameraConfig, facts: Pick<StreamFacts, 'width' | 'height'>): { width: number; height: number; transcoded: boolean } {
  const readsRepublished = !hasSeparateDetectInput(camera) && (camera.detect?.read_from ?? 'mediamtx') === 'mediamtx';
  const t = camera.transcode;
  if (!readsRepublished || camera.video !== 'h264' || (t?.width === undefined && t?.height === undefined)) return { ...facts, transcoded: false };
  const even = (value: number) => Math.max(2, Math.round(value / 2) * 2);
  const width = t.width ?? even(((t.height ?? facts.height) * facts.width) / facts.height);
  const height = t.height ?? even(((t.width ?? facts.width) * facts.height) / facts.width);
  return { width, height, transcoded: true };
}

function seconds(value: number): string {
  return value.toFixed(1);
}

function describeGop(gop: Gop | undefined): string {
  if (!gop) return 'GOP unknown';
  if ('longerThanSeconds' in gop) return `GOP longer than ${seconds(gop.longerThanSeconds)} s (fewer than two keyframes seen)`;
  return `GOP ${gop.frames} frame${gop.frames === 1 ? '' : 's'} (${seconds(gop.seconds)} s)`;
}

/** "h264 High, 1920×1080, 25 fps, GOP 50 frames (2.0 s), no B-frames". */
function describeFacts(facts: StreamFacts): string {
  const codec = facts.profile ? `${facts.codec} ${facts.profile}` : facts.codec;
  const fps = facts.fps !== undefined ? `${Number(facts.fps.toFixed(1))} fps` : 'fps unknown';
  return `${codec}, ${facts.width}×${facts.height}, ${fps}, ${describeGop(facts.gop)}, ${facts.bFrames ? 'B-frames' : 'no B-frames'}`;
}

/** The problems with one probed input, each with what to do about it. */
function inputFindings(camera: CameraConfig, input: CameraInput, facts: StreamFacts, detectActive: boolean): Array<{ problem: string; hint: string }> {
  const findings: Array<{ problem: string; hint: string }> = [];
  if (detectActive && input.roles.includes('detect')) {
    const decoded = detectGeometry(camera, facts);
    const separate = hasSeparateDetectInput(camera);
    if (!separate && !decoded.transcoded && (facts.width >= 1920 || facts.height >= 1080)) {
      findings.push({ problem: `no detect input: the detector decodes this ${facts.width}×${facts.height} main stream`, hint: SUBSTREAM_HINT });
    } else if (decoded.width > DETECT_MAX_WIDTH) {
      const what = decoded.transcoded ? `the detector decodes the gateway's ${decoded.width}×${decoded.height} transcode` : `the detect input is ${decoded.width}×${decoded.height}`;
      const hint = separate
        ? "use the camera's sub-stream for this input (its low-resolution profile, e.g. 640×360)"
        : decoded.transcoded
          ? `set transcode.width to ${DETECT_MAX_WIDTH} or less, or ${SUBSTREAM_HINT}`
          : `use the camera's sub-stream: ${SUBSTREAM_HINT}`;
      findings.push({ problem: `${what}, wider than ${DETECT_MAX_WIDTH} px`, hint });
    }
  }
  const gop = facts.gop;
  if (gop && 'seconds' in gop && gop.seconds > GOP_MAX_SECONDS) {
    findings.push({ problem: `keyframes only every ${seconds(gop.seconds)} s (more than ${GOP_MAX_SECONDS} s)`, hint: GOP_HINT });
  } else if (gop && 'longerThanSeconds' in gop && gop.longerThanSeconds > GOP_MAX_SECONDS) {
    findings.push({ problem: `no new keyframe for ${seconds(gop.longerThanSeconds)} s (more than ${GOP_MAX_SECONDS} s)`, hint: GOP_HINT });
  }
  return findings;
}

/** "front_door input 1 [detect]". */
function inputLabel(camera: Pick<CameraConfig, 'id'>, input: CameraInput): string {
  return `${camera.id} input ${input.index} [${input.roles.join(', ')}]`;
}

/** What is known without running ffprobe (generated and V4L2 inputs), or undefined. */
function unprobed(camera: CameraConfig, input: CameraInput): CheckResult | undefined {
  const source = parseCameraSource(input.source);
  const label = inputLabel(camera, input);
  if (source.kind === 'testsrc') {
    return { name: 'input', status: 'ok', detail: `${label}: generated test pattern ${source.width}×${source.height}, ${source.rate} fps, encoded by the gateway (GOP 1 s)` };
  }
  if (source.kind === 'v4l2') {
    return { name: 'input', status: 'ok', detail: `${label}: V4L2 device ${source.device}, not probed (one process at a time may open it)` };
  }
  return undefined;
}

function report(camera: CameraConfig, input: CameraInput, outcome: ProbeOutcome, detectActive: boolean): CheckResult {
  const label = inputLabel(camera, input);
  if (!outcome.ok) {
    const hint = {
      'no-answer': `The input did not answer: check the camera's address and that it is on; rtsp_transport is ${input.rtspTransport} (some cameras answer only over tcp).`,
      input: "Check the input's address, path and credentials (its URL is not shown here).",
      ffprobe: 'ffprobe comes with ffmpeg (bash scripts/setup.sh, or apt-get install ffmpeg); ffmpeg.ffprobe_path names another binary.',
    }[outcome.cause];
    return { name: 'input', status: 'fail', detail: redactText(`${label}: ${outcome.problem}`), hint };
  }
  const lines = [`${label}: ${describeFacts(outcome.facts)}`];
  const decoded = detectGeometry(camera, outcome.facts);
  if (detectActive && input.roles.includes('detect') && decoded.transcoded) lines.push(`the detector decodes the gateway's ${decoded.width}×${decoded.height} transcode of it`);
  if (!detectActive && input.roles.includes('detect') && !input.roles.includes('stream')) lines.push('detection is off for this camera (no detect section, or enabled: false): nothing reads this input');
  const findings = inputFindings(camera, input, outcome.facts, detectActive);
  lines.push(...findings.map((finding) => finding.problem));
  const hint = findings.map((finding) => finding.hint).join('; ');
  return { name: 'input', status: findings.length > 0 ? 'warn' : 'ok', detail: redactText(lines.join('\n')), ...(hint ? { hint: `${hint[0]?.toUpperCase() ?? ''}${hint.slice(1)}.` } : {}) };
}

/** ffprobe children at once: a box with many cameras is probed in rounds, not all at the same time. */
export const PROBE_CONCURRENCY = 6;

/** One result per input of every camera (in config order), each probe within its deadline. */
export async function checkInputs(ctx: CheckContext): Promise<CheckResult[]> {
  if (ctx.config.cameras.length === 0) return [];
  const ffprobePath = ctx.config.ffmpeg.ffprobe_path ?? 'ffprobe';
  const version = await ffprobeAvformatMajor(ffprobePath, ctx.timeoutMs);
  const windowSec = ctx.probeWindowSec ?? DEFAULT_PROBE_WINDOW_SEC;
  const deadlineMs = windowSec * 1000 + ctx.timeoutMs;
  const probe = (input: CameraInput): Promise<ProbeOutcome> =>
    version.ok ? probeInput(input, { ffprobePath, windowSec, deadlineMs, libavformatMajor: version.libavformatMajor }) : Promise.resolve({ ok: false, problem: version.problem, cause: 'ffprobe' });
  const jobs = ctx.config.cameras.flatMap((camera) => {
    // The detector takes a camera with a `detect` section that is not switched off (detector/service.ts).
    const detectActive = ctx.config.detector.enabled && camera.enabled && (camera.detect?.enabled ?? false);
    return cameraInputs(camera).map((input) => async () => unprobed(camera, input) ?? report(camera, input, await probe(input), detectActive));
  });
  const results: CheckResult[] = new Array<CheckResult>(jobs.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < jobs.length; index = next++) results[index] = await (jobs[index] as () => Promise<CheckResult>)();
  };
  await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, jobs.length) }, worker));
  return results;
}
