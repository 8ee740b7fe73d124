import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { describeRuntime, runtimeInfo, type RuntimeInfo } from '../common/runtime-info.ts';
import type { LookoutConfig } from '../common/config/schema.ts';
import { deadline } from '../common/lifecycle/deadline.ts';
import { DEMO_MODEL_PATH } from '../detector/model/demo-model.ts';
import { redactText } from '../common/redact.ts';
import { findMediamtx } from './find-mediamtx.ts';

/**
 * The individual checks of `lookout doctor`. Each one is bounded (commands and connections have a
 * deadline), never throws, and answers ok / warn / fail with a detail and, when not ok, a hint.
 * Details are redacted: a support request pasted into an issue must not leak a password.
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

export interface CheckContext {
  config: LookoutConfig;
  env: NodeJS.ProcessEnv;
  /** Deadline for each external command or connection. */
  timeoutMs: number;
  devDri: string;
  /** Seconds of packets ffprobe reads from each camera input (default in doctor-inputs.ts). */
  probeWindowSec?: number;
}

function result(name: string, status: CheckStatus, detail: string, hint?: string): CheckResult {
  return { name, status, detail: redactText(detail), ...(hint ? { hint } : {}) };
}

async function runCommand(file: string, args: string[], timeoutMs: number) {
  return execa(file, args, { timeout: timeoutMs, forceKillAfterDelay: 1000, reject: false, stdin: 'ignore', all: true });
}

export async function checkFfmpeg(ctx: CheckContext): Promise<CheckResult> {
  const ffmpeg = ctx.config.ffmpeg.path ?? 'ffmpeg';
  const version = await runCommand(ffmpeg, ['-hide_banner', '-version'], ctx.timeoutMs);
  if (version.failed) {
    const why = version.timedOut ? `no answer within ${ctx.timeoutMs} ms` : (version.code ?? version.shortMessage);
    return result('ffmpeg', 'fail', `${ffmpeg}: ${why}`, 'Install ffmpeg (bash scripts/setup.sh, or apt-get install ffmpeg) or set ffmpeg.path.');
  }
  const line = String(version.stdout).split('\n')[0] ?? '';
  const number = /version\s+n?(\d+)\.(\d+)/.exec(line);
  const hw = await runCommand(ffmpeg, ['-hide_banner', '-hwaccels'], ctx.timeoutMs);
  const accels = String(hw.stdout)
    .split('\n')
    .slice(1)
    .map((item) => item.trim())
    .filter(Boolean);
  const detail = `${line.replace(/ Copyright.*/, '')}; hwaccels: ${accels.join(', ') || 'none'}`;
  if (number && Number(number[1]) < 5) return result('ffmpeg', 'warn', detail, 'ffmpeg 5 or newer is expected (RTSP -timeout semantics changed in 5.0).');
  return result('ffmpeg', 'ok', detail);
}

export async function checkMediamtx(ctx: CheckContext): Promise<CheckResult> {
  if (!ctx.config.mediamtx.enabled) {
    return result('mediamtx', 'ok', `not run by Lookout (mediamtx.enabled: false); expected at ${ctx.config.mediamtx.host}:${ctx.config.mediamtx.rtsp_port}`);
  }
  const found = findMediamtx(ctx.config, ctx.env);
  if (!found.path) {
    return result('mediamtx', 'warn', 'binary not found: no restreaming for viewers; the demo reads the source directly', 'bash scripts/install-mediamtx.sh (pinned version, checksum verified)');
  }
  const version = await runCommand(found.path, ['--version'], ctx.timeoutMs);
  if (version.failed) {
    const why = version.timedOut ? `no answer within ${ctx.timeoutMs} ms` : `exit ${String(version.exitCode)}: ${String(version.all).split('\n')[0]}`;
    return result('mediamtx', 'fail', `${found.path} --version: ${why}`, 'Reinstall with bash scripts/install-mediamtx.sh (wrong architecture?).');
  }
  return result('mediamtx', 'ok', `${found.path} ${String(version.stdout).trim()}`);
}

export function checkDevDri(ctx: CheckContext): CheckResult {
  const wanted = ctx.config.detector.hwaccel;
  const needsDri = wanted === 'vaapi' || wanted === 'qsv';
  let nodes: string[];
  try {
    nodes = readdirSync(ctx.devDri).filter((name) => name.startsWith('renderD'));
  } catch {
    nodes = [];
  }
  if (nodes.length === 0) {
    const detail = `no render node under ${ctx.devDri}: decoding runs in software`;
    return result('/dev/dri', needsDri ? 'fail' : 'warn', detail, needsDri ? `detector.hwaccel is ${wanted}: pass the GPU through (docs/intel-nuc.md) or set hwaccel: auto.` : 'Fine on a Raspberry Pi or without a GPU; see docs/intel-nuc.md for VAAPI.');
  }
  const usable = nodes.filter((name) => {
    try {
      accessSync(join(ctx.devDri, name), constants.R_OK | constants.W_OK);
      return true;
    } catch {
      return false;
    }
  });
  const list = nodes.map((name) => `${name}${usable.includes(name) ? '' : ' (no access)'}`).join(', ');
  if (usable.length === 0) {
    return result('/dev/dri', needsDri ? 'fail' : 'warn', `${list}: not readable and writable by this user`, 'Add the user to the render and video groups (sudo usermod -aG render,video $USER), then log in again.');
  }
  return result('/dev/dri', 'ok', list);
}

/** The model the detector would load: detector.model, else the bundled demo model (detector/model/demo-model.ts). */
export function modelPath(ctx: CheckContext): string {
  return ctx.config.detector.model ?? DEMO_MODEL_PATH;
}

export async function checkModel(ctx: CheckContext): Promise<CheckResult> {
  const path = modelPath(ctx);
  const demo = ctx.config.detector.model === undefined;
  if (!existsSync(path)) return result('model', 'fail', `${path}: no such file`, demo ? 'The bundled demo model is missing: reinstall, or set detector.model.' : 'Fix detector.model.');
  try {
    const ort = await import('onnxruntime-node');
    const load = ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
    const session = await deadline(load, ctx.timeoutMs * 4, 'model load');
    const detail = `${path}: inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')}`;
    await session.release();
    if (demo) return result('model', 'warn', `${detail} (the bundled demo model: it finds the demo's synthetic boxes, not real objects)`, 'Set detector.model to a real YOLO export for real cameras (models/README.md).');
    return result('model', 'ok', detail);
  } catch (error) {
    return result('model', 'fail', `${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, 'Is it an ONNX file exported for onnxruntime (opset ≤ 21)?');
  }
}

/** host:port pairs of the configured brokers. */
export function brokerTargets(config: LookoutConfig): Array<{ name: string; host: string; port: number }> {
  const targets: Array<{ name: string; host: string; port: number }> = [];
  if (config.mqtt) {
    const url = new URL(config.mqtt.url);
    const defaults: Record<string, number> = { 'mqtt:': 1883, 'tcp:': 1883, 'mqtts:': 8883, 'ssl:': 8883, 'ws:': 80, 'wss:': 443 };
    targets.push({ name: 'mqtt', host: url.hostname, port: Number(url.port) || defaults[url.protocol] || 1883 });
  }
  for (const server of config.nats?.servers ?? []) {
    const url = new URL(server.includes('://') ? server : `nats://${server}`);
    targets.push({ name: 'nats', host: url.hostname, port: Number(url.port) || 4222 });
  }
  return targets;
}

export function tcpReachable(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (problem: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(problem);
    };
    const timer = setTimeout(() => done(`no connection within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

export async function checkBrokers(ctx: CheckContext): Promise<CheckResult[]> {
  const targets = brokerTargets(ctx.config);
  if (targets.length === 0) return [result('brokers', 'ok', `none configured: events go to ${ctx.config.state_dir}/events.jsonl and GET /api/v1/events`)];
  return Promise.all(
    targets.map(async ({ name, host, port }) => {
      const problem = await tcpReachable(host, port, ctx.timeoutMs);
      return problem
        ? result(name, 'fail', `${host}:${port}: ${problem}`, `Is the ${name === 'mqtt' ? 'MQTT broker (mosquitto)' : 'nats-server'} running and reachable from here?`)
        : result(name, 'ok', `${host}:${port} reachable`);
    }),
  );
}

/**
 * Node's version, and how Lookout runs on it: the compiled CLI (a warning when bin/lookout.js fell
 * back to the sources: dist/cli is missing or stale) and whether this process got the launch tuning.
 */
export function checkNode(info: RuntimeInfo = runtimeInfo()): CheckResult {
  const major = Number(process.versions.node.split('.')[0]);
  const detail = `v${process.versions.node} (${process.arch}); ${describeRuntime(info)}`;
  if (major < 20) return result('node', 'fail', detail, 'Node 20 or newer is required.');
  if (!info.compiled) return result('node', 'warn', detail, 'npm run build (bash scripts/setup.sh does it): the compiled CLI uses ~30 MB less per process.');
  return result('node', 'ok', detail);
}

/** Whether host:port can be bound now (undefined) or why not (EADDRINUSE, EACCES...). */
export function portFree(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** The ports `lookout up` will listen on; taken ones usually mean Lookout (or another server) already runs. */
export async function checkPorts(ctx: CheckContext): Promise<CheckResult> {
  const { config } = ctx;
  const wanted: Array<{ name: string; host: string; port: number }> = [{ name: 'http', host: config.http.host, port: config.http.port }];
  if (config.detector.enabled) wanted.push({ name: 'detector.http', host: config.detector.http.host, port: config.detector.http.port });
  if (config.mediamtx.enabled) {
    wanted.push({ name: 'mediamtx.rtsp_port', host: '0.0.0.0', port: config.mediamtx.rtsp_port }, { name: 'mediamtx.api_port', host: '127.0.0.1', port: config.mediamtx.api_port });
  }
  const problems: string[] = [];
  for (const item of wanted.filter((entry) => entry.port !== 0)) {
    const problem = await portFree(item.host, item.port);
    if (problem) problems.push(`${item.name} ${item.host}:${item.port} ${problem === 'EADDRINUSE' ? 'in use' : problem}`);
  }
  if (problems.length === 0) return result('ports', 'ok', `free: ${wanted.map((item) => item.port).join(', ')}`);
  return result('ports', 'warn', problems.join('; '), 'Is Lookout already running (systemctl status lookout-gateway)? Otherwise change the ports in lookout.yml.');
}
