/**
 * Which ffmpeg we run and what it supports. Option names changed between releases (the RTSP socket
 * timeout is `-timeout` from 5.0 and `-stimeout` before; on 4.x `-timeout` turns the RTSP client
 * into a listener), so publish arguments are chosen from the parsed version, never assumed.
 */
import { execa } from 'execa';

/** What `ffmpeg -version` / `-hwaccels` told us about one binary. */
export interface FfmpegInfo {
  /** The binary that was probed (config path, FFMPEG_PATH or `ffmpeg`). */
  path: string;
  /** Version string as printed, e.g. "5.1.9-0+deb12u1" or "N-112233-gabcdef". */
  version: string;
  /** Major release (4, 5, 6, ...); derived from libavformat for git builds. */
  major: number;
  /** libavformat major (58 = ffmpeg 4.x, 59 = 5.x, 60 = 6.x, 61 = 7.x). */
  libavformatMajor: number;
  /** Hardware acceleration methods compiled in (`ffmpeg -hwaccels`). */
  hwaccels: string[];
}

/** ffmpeg could not be run or its output was not understood; names the binary, never a URL. */
export class FfmpegProbeError extends Error {
  override readonly name = 'FfmpegProbeError';
}

/** Resolution order from the issue: config `ffmpeg.path`, then `FFMPEG_PATH`, then `ffmpeg` on PATH. */
export function resolveFfmpegPath(configPath: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (configPath) return configPath;
  if (env.FFMPEG_PATH) return env.FFMPEG_PATH;
  return 'ffmpeg';
}

/** Parses `ffmpeg -version` output; pure, so old and new formats can be unit-tested. */
export function parseVersionOutput(text: string): Pick<FfmpegInfo, 'version' | 'major' | 'libavformatMajor'> {
  const version = /^\S+ version (\S+)/m.exec(text)?.[1];
  const lavf = /^libavformat\s+(\d+)\.\s*\d+/m.exec(text)?.[1];
  if (!version || !lavf) throw new FfmpegProbeError('`-version` output has no "version" line or no libavformat line');
  const libavformatMajor = Number(lavf);
  const release = /^n?(\d+)\.\d+/.exec(version)?.[1];
  // libavformat 58 shipped with ffmpeg 4.x, 59 with 5.x, 60 with 6.x, 61 with 7.x.
  const major = release ? Number(release) : libavformatMajor - 54;
  return { version, major, libavformatMajor };
}

/** Parses `ffmpeg -hwaccels` output into method names. */
export function parseHwaccels(text: string): string[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const start = lines.findIndex((line) => /^Hardware acceleration methods:?$/i.test(line));
  return lines.slice(start + 1).filter((line) => /^[a-z0-9_]+$/i.test(line));
}

const cache = new Map<string, Promise<FfmpegInfo>>();

async function probe(path: string, timeoutMs: number): Promise<FfmpegInfo> {
  const run = (args: string[]) => execa(path, args, { timeout: timeoutMs, killSignal: 'SIGKILL', reject: true, stdin: 'ignore' });
  let versionText: string;
  try {
    versionText = (await run(['-hide_banner', '-version'])).stdout;
    // -hide_banner drops the version line on some builds; fall back to the plain form.
    if (!/version/.test(versionText.split('\n')[0] ?? '')) versionText = (await run(['-version'])).stdout;
  } catch (error) {
    const reason = (error as { code?: string; shortMessage?: string }).code ?? (error as Error).message.split('\n')[0];
    throw new FfmpegProbeError(`cannot run ffmpeg at "${path}" (${reason}); set ffmpeg.path or FFMPEG_PATH`);
  }
  const parsed = parseVersionOutput(versionText);
  let hwaccels: string[] = [];
  try {
    hwaccels = parseHwaccels((await run(['-hide_banner', '-hwaccels'])).stdout);
  } catch {
    // An ffmpeg without -hwaccels still publishes; the list stays empty.
  }
  return { path, ...parsed, hwaccels };
}

/** Probes the binary once per path (cached; a failed probe is not cached, so a fix is picked up). */
export function ffmpegInfo(path: string, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<FfmpegInfo> {
  let pending = cache.get(path);
  if (!pending) {
    pending = probe(path, timeoutMs);
    cache.set(path, pending);
    pending.catch(() => cache.delete(path));
  }
  return pending;
}
