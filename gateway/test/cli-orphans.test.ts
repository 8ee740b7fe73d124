/**
 * The real CLI (`node bin/lookout.js gateway`) as a child: SIGKILL it while its ffmpeg runs (the
 * ffmpeg survives: it leads its own process group), start it again and check the first run's ffmpeg
 * was ended by the orphan sweep; then SIGTERM stops the second run cleanly with exit code 0.
 * RTSP server: the rtsp-streaming-server stand-in (not mediamtx), UDP.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { descendants, isAlive, readStat } from '../../common/proc.ts';
import { api, freeTcpPort, tempDir, waitUntil } from '../../test/support/gateway-harness.ts';
import { startRtspStandIn } from '../../test/support/rtsp-stand-in.ts';

const BIN = fileURLToPath(new URL('../../bin/lookout.js', import.meta.url));

interface CliRun {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

function startCli(configFile: string): CliRun {
  const child = spawn(process.execPath, [BIN, 'gateway', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

/**
 * The camera's ffmpeg once the API reports it running (publishing confirmed, so it is recorded in
 * the state dir), checked to be a live publishing ffmpeg below the CLI process.
 */
async function runningFfmpeg(port: number, cliPid: number): Promise<number[]> {
  const reply = await api(port, 'GET', '/api/v1/cameras/demo').catch(() => undefined);
  const status = reply?.body.data as { state?: string; pid?: number } | undefined;
  if (status?.state !== 'running' || status.pid === undefined) return [];
  return ffmpegDescendants(cliPid).filter((pid) => pid === status.pid);
}

/** Live publishing ffmpeg processes below `pid` (not the short `ffmpeg -version` probe at start). */
function ffmpegDescendants(pid: number): number[] {
  return descendants(pid).filter((child) => isAlive(child) && /^ffmpeg\0.*\0-progress\0/.test(cmdline(child)));
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Waits (bounded) until the pids have left /proc entirely. Orphans ended after their gateway died
 * are reparented to PID 1 and stay zombies until it reaps them; the suite's leak check counts those.
 */
async function reaped(pids: number[]): Promise<void> {
  await waitUntil(() => pids.every((pid) => readStat(pid) === undefined), 5_000, 'orphans reaped').catch(() => undefined);
}

/** A one-camera config publishing a test pattern into the stand-in; HTTP on `port`. */
function writeConfig(dirPath: string, port: number, publishPort: number, stopGrace = '1s'): string {
  const configFile = join(dirPath, 'lookout.yml');
  writeFileSync(
    configFile,
    [
      'log_level: warn',
      `state_dir: ${join(dirPath, 'state')}`,
      'shutdown_timeout: 5s',
      'mediamtx: { enabled: false }',
      `http: { host: 127.0.0.1, port: ${port} }`,
      'pipelines:',
      `  publish_url: rtsp://127.0.0.1:${publishPort}`,
      '  publish_transport: udp',
      `  stop_grace: ${stopGrace}`,
      'cameras:',
      '  - id: demo',
      "    source: 'testsrc://?size=160x120&rate=10&objects=1'",
      '    video: h264',
      '',
    ].join('\n'),
  );
  return configFile;
}

void test('orphans: gateway SIGKILLed and started again leaves no ffmpeg from the first run; SIGTERM then exits 0', async () => {
  const rtsp = await startRtspStandIn();
  const dir = tempDir();
  const port = await freeTcpPort();
  const configFile = writeConfig(dir.path, port, rtsp.publishPort);
  const leftovers: number[] = [];
  const runs: CliRun[] = [];
  try {
    const first = startCli(configFile);
    runs.push(first);
    const firstPid = first.child.pid as number;
    let firstFfmpeg: number[] = [];
    await waitUntil(
      async () => {
        firstFfmpeg = await runningFfmpeg(port, firstPid);
        return firstFfmpeg.length > 0;
      },
      30_000,
      `first run's ffmpeg (output: ${first.output()})`,
    );
    leftovers.push(...firstFfmpeg);
    first.child.kill('SIGKILL');
    await first.exited;
    // The scenario is real: the children outlived their parent.
    assert.ok(firstFfmpeg.every((pid) => isAlive(pid)), 'ffmpeg survives a SIGKILLed gateway');

    const second = startCli(configFile);
    runs.push(second);
    await waitUntil(async () => (await api(port, 'GET', '/readyz').catch(() => ({ status: 0 }))).status === 200, 30_000, `second run ready (output: ${second.output()})`);
    for (const pid of firstFfmpeg) assert.equal(isAlive(pid), false, `first run's ffmpeg ${pid} was ended by the orphan sweep`);

    let secondFfmpeg: number[] = [];
    await waitUntil(
      async () => {
        secondFfmpeg = await runningFfmpeg(port, second.child.pid as number);
        return secondFfmpeg.length > 0;
      },
      30_000,
      "second run's ffmpeg",
    );
    leftovers.push(...secondFfmpeg);
    const stopAt = Date.now();
    second.child.kill('SIGTERM');
    const exit = await second.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, second.output());
    assert.ok(Date.now() - stopAt < 5_000 + 2_000, 'exited within shutdown_timeout');
    for (const pid of secondFfmpeg) assert.equal(isAlive(pid), false, `ffmpeg ${pid} stopped with the gateway`);
  } finally {
    for (const run of runs) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill('SIGKILL');
        await run.exited;
      }
    }
    for (const pid of leftovers) {
      try {
        if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await reaped(leftovers);
    await rtsp.close();
    dir.remove();
  }
});

void test('a second SIGTERM during a hung shutdown kills the pipelines at once and exits 130', async () => {
  const rtsp = await startRtspStandIn();
  const dir = tempDir();
  const port = await freeTcpPort();
  // A grace longer than the shutdown deadline: the frozen children keep the first stop hung for
  // the whole test, however slowly the loaded machine runs it (with 1 s the stop could finish first).
  const run = startCli(writeConfig(dir.path, port, rtsp.publishPort, '30s'));
  let ffmpeg: number[] = [];
  try {
    await waitUntil(
      async () => {
        ffmpeg = await runningFfmpeg(port, run.child.pid as number);
        return ffmpeg.length > 0;
      },
      30_000,
      `ffmpeg running (output: ${run.output()})`,
    );
    // A frozen ffmpeg cannot act on `q` or SIGTERM, so the graceful stop hangs until the second signal.
    for (const pid of ffmpeg) process.kill(pid, 'SIGSTOP');
    run.child.kill('SIGTERM');
    await sleep(500);
    assert.equal(run.child.exitCode, null, 'still stopping gracefully after the first signal');
    const secondAt = Date.now();
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    assert.ok(Date.now() - secondAt < 2_000, 'exits at once on the second signal');
    assert.deepEqual(exit, { code: 130, signal: null }, run.output());
    await waitUntil(() => ffmpeg.every((pid) => !isAlive(pid)), 2_000, 'ffmpeg killed with the second signal');
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    for (const pid of ffmpeg) {
      try {
        if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await reaped(ffmpeg);
    await rtsp.close();
    dir.remove();
  }
});
