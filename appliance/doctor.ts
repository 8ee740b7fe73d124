import { existsSync } from 'node:fs';
import { ConfigError, loadConfigFile, parseConfig } from '../common/config/load.ts';
import type { LookoutConfig } from '../common/config/schema.ts';
import { checkBrokers, checkDevDri, checkFfmpeg, checkMediamtx, checkModel, checkNode, checkPorts, type CheckContext, type CheckResult } from './doctor-checks.ts';
import { checkInputs } from './doctor-inputs.ts';

/**
 * `lookout doctor`: one report a user can paste into a support request. Config validity first
 * (the other checks use the config, or the defaults when it is missing or invalid), then the
 * checks in parallel, each bounded by its own deadline, ending with one line per camera input.
 */
export interface DoctorOptions {
  configPath: string;
  configExplicit: boolean;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  devDri?: string;
  /** Seconds of packets read from each camera input to measure its GOP (default 6). */
  probeWindowSec?: number;
}

export interface DoctorReport {
  checks: CheckResult[];
  ok: number;
  warn: number;
  fail: number;
}


function loadForDoctor(options: DoctorOptions, env: NodeJS.ProcessEnv): { config: LookoutConfig; check: CheckResult } {
  const defaults = () => parseConfig({}, { env });
  if (!existsSync(options.configPath)) {
    const check: CheckResult = options.configExplicit
      ? { name: 'config', status: 'fail', detail: `${options.configPath}: no such file` }
      : { name: 'config', status: 'warn', detail: `no ${options.configPath}: \`lookout up\` runs the demo; checks use the defaults`, hint: 'cp deploy/lookout.example.yml lookout.yml' };
    return { config: defaults(), check };
  }
  try {
    const config = loadConfigFile(options.configPath, env);
    return { config, check: { name: 'config', status: 'ok', detail: `${options.configPath}: valid, ${config.cameras.length} camera(s)` } };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { config: defaults(), check: { name: 'config', status: 'fail', detail: error.message, hint: 'Fix the keys named above; deploy/lookout.example.yml documents every option.' } };
  }
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const { config, check } = loadForDoctor(options, env);
  const ctx: CheckContext = {
    config,
    env,
    timeoutMs: options.timeoutMs ?? 5000,
    devDri: options.devDri ?? '/dev/dri',
    ...(options.probeWindowSec !== undefined ? { probeWindowSec: options.probeWindowSec } : {}),
  };
  const [ffmpeg, mediamtx, model, brokers, ports, inputs] = await Promise.all([checkFfmpeg(ctx), checkMediamtx(ctx), checkModel(ctx), checkBrokers(ctx), checkPorts(ctx), checkInputs(ctx)]);
  const checks = [check, checkNode(), ffmpeg, mediamtx, checkDevDri(ctx), model, ...brokers, ports, ...inputs];
  const count = (status: CheckResult['status']) => checks.filter((item) => item.status === status).length;
  return { checks, ok: count('ok'), warn: count('warn'), fail: count('fail') };
}

const LABEL: Record<CheckResult['status'], string> = { ok: '[ ok ]', warn: '[warn]', fail: '[FAIL]' };

/** The human-readable report. */
export function formatReport(report: DoctorReport): string {
  const lines = report.checks.flatMap((item) => {
    const [first = '', ...rest] = item.detail.split('\n');
    const out = [`${LABEL[item.status]} ${item.name.padEnd(9)} ${first}`, ...rest.map((line) => `${' '.repeat(17)}${line}`)];
    if (item.hint) out.push(`${' '.repeat(17)}→ ${item.hint}`);
    return out;
  });
  lines.push('', `${report.ok} ok, ${report.warn} warning(s), ${report.fail} failure(s)`);
  return `${lines.join('\n')}\n`;
}
