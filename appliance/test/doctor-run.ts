/**
 * Runs `lookout doctor` (runDoctor) on a config written into a test's own directory and finds its
 * per-input lines, for the doctor-inputs tests. Every report is checked for the camera password.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { formatReport, runDoctor, type DoctorReport } from '../doctor.ts';
import type { CheckResult } from '../doctor-checks.ts';

/** The password in the test cameras' URLs (`${CAM_PASSWORD}`): it must never reach a report. */
export const PASSWORD = 'doctor-Secret-pw42';
const ENV = { PATH: '/usr/bin:/bin', CAM_PASSWORD: PASSWORD };

/** The line of the input labelled e.g. `front input 1 [detect]`. */
export function inputLine(report: DoctorReport, label: string): CheckResult {
  const found = report.checks.find((check) => check.name === 'input' && check.detail.startsWith(`${label}: `));
  assert.ok(found, `no input line for ${label}: ${formatReport(report)}`);
  return found;
}

/** Runs the doctor on `yaml` (cameras and friends) with the HTTP ports and mediamtx out of the way. */
export async function doctorOn(dir: string, yaml: string, options: { timeoutMs?: number; probeWindowSec?: number } = {}): Promise<DoctorReport> {
  const config = join(dir, `lookout-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(config, `detector:\n  http:\n    port: 0\nhttp:\n  port: 0\nmediamtx:\n  enabled: false\n${yaml}`);
  const report = await runDoctor({ configPath: config, configExplicit: true, env: ENV, devDri: join(dir, 'no-dri'), probeWindowSec: 6, ...options });
  assert.equal(report.checks[0]?.status, 'ok', report.checks[0]?.detail);
  assert.ok(!formatReport(report).includes(PASSWORD), formatReport(report));
  return report;
}

/** Renders a testsrc2 H.264 clip at 10 fps with a fixed keyframe interval (frames) and B-frame count. */
export async function renderClip(path: string, size: string, seconds: number, gop: number, bframes: number): Promise<void> {
  await execa(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=10`, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
      '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', String(bframes), ...(bframes > 0 ? ['-x264-params', 'b-adapt=0'] : []), path],
    { timeout: 120_000, stdin: 'ignore' },
  );
}
