import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * The demo camera's picture: a short generated clip of a red and a green box moving over a dark
 * background — exactly what the bundled test model was trained to find (red = person,
 * green = car; scripts/make-test-models.py), so the demo produces real detections. The gateway and
 * the detector both loop file:// sources in real time, so the clip behaves like a live camera,
 * with or without mediamtx. Rendered once per state dir (about a second of ffmpeg time).
 */
export const DEMO_CLIP = { width: 640, height: 360, fps: 10, seconds: 20 } as const;

export class DemoClipError extends Error {
  override readonly name = 'DemoClipError';
}

/** The lavfi graph: boxes move on periodic paths so the loop point is not a jump. */
export function demoClipGraph(): string {
  const { width: w, height: h, fps, seconds: d } = DEMO_CLIP;
  const period = d; // one full back-and-forth per clip
  return [
    `color=c=0x202020:s=${w}x${h}:r=${fps}:d=${d}[bg]`,
    `color=c=0xE01818:s=120x90:r=${fps}:d=${d}[person]`,
    `color=c=0x18D028:s=110x80:r=${fps}:d=${d}[car]`,
    `[bg][person]overlay=x=(W-w)/2+(W-w)/2*sin(2*PI*t/${period}):y=30+10*sin(2*PI*t/${period / 2}):shortest=1[a]`,
    `[a][car]overlay=x=(W-w)/2-(W-w)/2*sin(2*PI*t/${period}):y=H-h-30:shortest=1[out0]`,
  ].join(';');
}

/** Renders the clip into `dir` unless it is already there; returns its path. Bounded by `timeoutMs`. */
export async function ensureDemoClip(dir: string, ffmpeg = 'ffmpeg', timeoutMs = 60_000): Promise<string> {
  const path = join(dir, 'demo-clip.mp4');
  if (existsSync(path)) return path;
  const partial = join(dir, `demo-clip.${process.pid}.partial.mp4`);
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', demoClipGraph()];
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', String(DEMO_CLIP.fps), '-movflags', '+faststart', partial);
  const result = await execa(ffmpeg, args, { timeout: timeoutMs, forceKillAfterDelay: 1000, reject: false, stdin: 'ignore' });
  if (result.failed) {
    rmSync(partial, { force: true });
    const why = result.timedOut ? `did not finish within ${timeoutMs} ms` : String(result.stderr).split('\n')[0] || result.shortMessage;
    throw new DemoClipError(`could not render the demo clip with ${ffmpeg}: ${why}`);
  }
  renameSync(partial, path);
  return path;
}
