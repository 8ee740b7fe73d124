/**
 * Memory benchmark (issue 13 item 3): `npm run bench:memory -- [--model PATH] [--clip FILE]
 * [--fps N] [--threads N] [--runs N]` prints ONE JSON object comparing the peak RSS of
 * `lookout detect` with a plain Python loop doing the same job (scripts/bench/memory-peer.py:
 * ffmpeg → numpy → onnxruntime, same clip, model, sampling and intra-op threads):
 *  - node_peak_rss_mb / peer_peak_rss_mb: "Maximum resident set size" of `/usr/bin/time -v`, the
 *    median over `--runs` alternating runs of each (all runs listed in *_runs_mb). Worker threads
 *    are threads of the measured process, so they are included; the ffmpeg child is a separate
 *    process, reported apart in ffmpeg_child_rss_mb (its VmHWM, read from /proc while it runs);
 *  - ratio = node / peer, against target 1.3;
 *  - node_breakdown: where `lookout detect`'s memory goes, from scripts/bench/memory-probe.mjs in
 *    fresh processes launched like bin/lookout.js (node itself, its check of the compiled CLI, the compiled command's modules, the inference worker
 *    thread with the onnxruntime library, the session with its warm-up run, V8 heaps) and
 *    `running_mb` = the peak of the real run minus the RSS once the model was ready;
 *  - peer: "onnxruntime <version> python <version>", or "unavailable: <why>" (then no peer figure).
 * The peer runs in a venv under .tmp/py-peer (git-ignored), created on first use with
 * `pip install onnxruntime numpy` (from the machine's configured index or wheel mirror).
 * The default clip is generated: 1280×720, 25 fps, 20 s (testsrc2, H.264, 2 s GOP).
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { sleep } from '../../common/lifecycle/sleep.ts';
import { descendants, groupMembers, listChildren } from '../../common/proc.ts';
import { autoThreads } from '../../detector/model/cpu-budget.ts';
import { buildCli, cliBuildIsCurrent } from '../../cli/build.ts';
import { LAUNCH_NODE_FLAGS, launchEnv } from '../../common/launch-tuning.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORK_DIR = join(ROOT, '.tmp', 'bench-memory');
const VENV = join(ROOT, '.tmp', 'py-peer');
const VENV_PYTHON = join(VENV, 'bin', 'python');
const PEER = join(ROOT, 'scripts', 'bench', 'memory-peer.py');
const PROBE = join(ROOT, 'scripts', 'bench', 'memory-probe.mjs');
const LOOKOUT = join(ROOT, 'bin', 'lookout.js');
const DEFAULT_MODEL = join(ROOT, '..', 'shared', 'models', 'yolov8n-arch-640.onnx');
const TARGET = 1.3;
/** Longest a measured run may take (a 20 s clip at 5 fps is 100 inferences). */
const RUN_TIMEOUT_MS = 600_000;

const round = (value: number): number => Math.round(value * 10) / 10;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const log = (line: string): void => {
  process.stderr.write(`bench:memory: ${line}\n`);
};

interface Measured {
  peakMb: number;
  /** Highest VmHWM seen of the measured process itself (a cross-check of time's figure). */
  selfHwmMb: number;
  ffmpegMb: number;
  stdout: string;
}

/** Stops what is left of a child's process group: SIGTERM, up to 5 s, then SIGKILL. */
async function stopGroup(pgid: number): Promise<void> {
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-pgid, name);
    } catch {
      // The group is gone already.
    }
  };
  if (groupMembers(pgid).length === 0) return;
  signal('SIGTERM');
  for (let waited = 0; waited < 5000 && groupMembers(pgid).length > 0; waited += 100) await sleep(100);
  if (groupMembers(pgid).length > 0) signal('SIGKILL');
}

function statusField(pid: number, field: string): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Runs `command` under `/usr/bin/time -v` in its own process group; watches its ffmpeg children. */
async function measure(command: string, args: string[], env?: Record<string, string>): Promise<Measured> {
  const child = execa('time', ['-v', command, ...args], {
    ...(env ? { env } : {}),
    detached: true,
    reject: false,
    timeout: RUN_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  let ffmpegMb = 0;
  let selfHwmMb = 0;
  let done = false;
  const watch = (async () => {
    while (!done) {
      // time's own child is the measured process; ffmpeg runs below it.
      for (const measured of listChildren(pid)) selfHwmMb = Math.max(selfHwmMb, statusField(measured, 'VmHWM'));
      for (const descendant of descendants(pid)) {
        if (commandName(descendant) === 'ffmpeg') ffmpegMb = Math.max(ffmpegMb, statusField(descendant, 'VmHWM'));
      }
      await sleep(100);
    }
  })();
  try {
    const result = await child;
    if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.exitCode ?? result.signal}): ${String(result.stderr).slice(-800)}`);
    const peak = /Maximum resident set size \(kbytes\): (\d+)/.exec(String(result.stderr));
    if (!peak) throw new Error(`no "Maximum resident set size" in the output of time -v: ${String(result.stderr).slice(-400)}`);
    return { peakMb: Number(peak[1]) / 1024, selfHwmMb, ffmpegMb, stdout: String(result.stdout) };
  } finally {
    done = true;
    await watch;
    await stopGroup(pid);
  }
}

/** The clip to run on: `--clip`, or a generated 1280×720 25 fps 20 s H.264 file (made once). */
async function clipFile(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  mkdirSync(WORK_DIR, { recursive: true });
  const path = join(WORK_DIR, 'clip-1280x720-25fps-20s.mp4');
  if (!existsSync(path)) {
    log(`rendering ${path}`);
    const graph = 'testsrc2=size=1280x720:rate=25:duration=20,format=yuv420p';
    await execa('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', graph, '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', `${path}.part.mp4`], { timeout: 300_000 });
    renameSync(`${path}.part.mp4`, path);
  }
  return path;
}

async function videoSize(clip: string): Promise<{ width: number; height: number }> {
  const { stdout } = await execa('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0:s=x', clip], { timeout: 30_000 });
  const [width, height] = stdout.trim().split('x').map(Number);
  if (!width || !height) throw new Error(`ffprobe found no video size in ${clip}: ${stdout.slice(0, 80)}`);
  return { width, height };
}

/** The venv's python with onnxruntime and numpy, made on first use; else why it is unavailable. */
async function peerPython(): Promise<{ python: string } | { unavailable: string }> {
  const works = async (): Promise<boolean> => existsSync(VENV_PYTHON) && (await execa(VENV_PYTHON, ['-c', 'import onnxruntime, numpy'], { reject: false, timeout: 60_000 })).exitCode === 0;
  if (await works()) return { python: VENV_PYTHON };
  log(`creating ${VENV} (python3 -m venv; pip install onnxruntime numpy)`);
  const venv = await execa('python3', ['-m', 'venv', VENV], { reject: false, timeout: 120_000 });
  if (venv.exitCode !== 0) return { unavailable: `python3 -m venv failed: ${lastLine(String(venv.stderr))}` };
  const pip = await execa(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', 'onnxruntime', 'numpy'], { reject: false, timeout: 900_000 });
  if (pip.exitCode !== 0) return { unavailable: `pip install onnxruntime numpy failed: ${lastLine(String(pip.stderr))}` };
  return (await works()) ? { python: VENV_PYTHON } : { unavailable: 'onnxruntime or numpy does not import in the venv' };
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

interface ProbeResult {
  rss_mb: Record<string, number>;
  main_v8_heap_mb: number;
  worker_v8_heap_mb: number;
  worker_v8_external_mb: number;
}

/** The probe, launched as bin/lookout.js launches itself (the tuning of its first line). */
async function probe(stage: 'worker' | 'session', model: string, threads: number): Promise<ProbeResult> {
  const { stdout } = await execa(process.execPath, [...LAUNCH_NODE_FLAGS, PROBE, stage, model, String(threads)], { timeout: 180_000, cwd: ROOT, env: launchEnv(process.env) });
  return JSON.parse(stdout) as ProbeResult;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      model: { type: 'string', default: DEFAULT_MODEL },
      clip: { type: 'string' },
      fps: { type: 'string', default: '5' },
      threads: { type: 'string' },
      runs: { type: 'string', default: '3' },
    },
  });
  const model = values.model;
  if (!existsSync(model)) throw new Error(`--model: ${model}: no such file`);
  const fps = Number(values.fps);
  if (!(fps > 0 && fps <= 60)) throw new Error(`--fps must be a number in (0, 60] (got "${values.fps.slice(0, 20)}")`);
  const threads = values.threads === undefined ? autoThreads(1) : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new Error(`--threads must be an integer 1..64 (got "${String(values.threads).slice(0, 20)}")`);
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error(`--runs must be an integer 1..20 (got "${values.runs.slice(0, 20)}")`);
  const clip = await clipFile(values.clip);
  const size = await videoSize(clip);
  const peer = await peerPython();
  if ('unavailable' in peer) log(`peer unavailable: ${peer.unavailable}`);

  // `lookout detect` as a user runs it: bin/lookout.js executed (its first line sets the launch
  // tuning) on the compiled CLI, with this bench's node first on PATH for its `env node`.
  if (!cliBuildIsCurrent()) {
    log('compiling the CLI (npm run build)');
    await buildCli();
  }
  const launchPath = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  const launch = (await execa(LOOKOUT, ['--version'], { env: launchPath, timeout: 60_000 })).stdout.trim();
  if (!launch.includes(`node ${process.version}: compiled CLI`) || !launch.includes('launch tuning on')) throw new Error(`bin/lookout.js does not run as users run it: ${launch}`);
  const nodeArgs = ['detect', clip, '--model', model, '--fps', String(fps), '--threads', String(threads), '--motion-gate', 'off'];
  const peerArgs = [PEER, clip, model, '--fps', String(fps), '--threads', String(threads), '--width', String(size.width), '--height', String(size.height)];
  const node: Measured[] = [];
  const python: Measured[] = [];
  for (let i = 0; i < runs; i++) {
    log(`run ${i + 1}/${runs}: lookout detect`);
    node.push(await measure(LOOKOUT, nodeArgs, launchPath));
    if ('python' in peer) {
      log(`run ${i + 1}/${runs}: python peer`);
      python.push(await measure(peer.python, peerArgs));
    }
  }
  const nodeFrames = node[0]!.stdout.split('\n').filter((line) => line.startsWith('{"frame"')).length;
  const peerSummary = python[0] ? (JSON.parse(python[0].stdout.trim().split('\n').pop() ?? '{}') as { frames?: number; onnxruntime?: string; python?: string }) : undefined;

  log('breakdown probes');
  const bare = await probe('worker', model, threads);
  const opened = await probe('session', model, threads);
  const nodePeak = median(node.map((run) => run.peakMb));
  const peerPeak = python.length > 0 ? median(python.map((run) => run.peakMb)) : undefined;
  const step = (result: ProbeResult, key: string): number => result.rss_mb[key] ?? Number.NaN;
  const workerThread = step(bare, 'worker_without_session') - step(bare, 'detect_modules');
  const ready = step(opened, 'worker_session_warmup');
  const result = {
    model,
    clip: `${clip} (${size.width}x${size.height})`,
    fps,
    threads,
    node_peak_rss_mb: round(nodePeak),
    peer_peak_rss_mb: peerPeak === undefined ? null : round(peerPeak),
    ratio: peerPeak === undefined ? null : Math.round((nodePeak / peerPeak) * 100) / 100,
    target: TARGET,
    node_breakdown: {
      node_mb: step(opened, 'node'),
      entry_mb: round(step(opened, 'entry') - step(opened, 'node')),
      detect_modules_mb: round(step(opened, 'detect_modules') - step(opened, 'entry')),
      worker_thread_and_ort_library_mb: round(workerThread),
      session_and_warmup_mb: round(ready - step(opened, 'detect_modules') - workerThread),
      running_mb: round(nodePeak - ready),
      main_v8_heap_mb: opened.main_v8_heap_mb,
      worker_v8_heap_mb: opened.worker_v8_heap_mb,
      worker_v8_external_mb: opened.worker_v8_external_mb,
    },
    ffmpeg_child_rss_mb: { node: round(median(node.map((run) => run.ffmpegMb))), peer: python.length > 0 ? round(median(python.map((run) => run.ffmpegMb))) : null },
    peer: 'python' in peer ? `onnxruntime ${peerSummary?.onnxruntime ?? '?'} python ${peerSummary?.python ?? '?'}` : `unavailable: ${peer.unavailable}`,
    node_version: process.version,
    node_launch: launch,
    node_runs_mb: node.map((run) => round(run.peakMb)),
    peer_runs_mb: python.map((run) => round(run.peakMb)),
    node_self_hwm_mb: node.map((run) => round(run.selfHwmMb)),
    frames: { node: nodeFrames, peer: peerSummary?.frames ?? null },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
