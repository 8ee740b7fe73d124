import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAlive, readStartTime } from '../../common/proc.ts';
import { freePort } from '../../test/support/brokers.ts';
import { ensureDemoClip } from '../demo-clip.ts';
import { demoConfigInput } from '../demo-config.ts';
import { FakeNotifySocket } from './fake-notify-socket.ts';

const LOOKOUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'lookout.js');

/** Live (non-zombie) processes whose command line mentions `needle`. */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
      if (cmdline.includes(needle) && state !== 'Z') found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone
    }
  }
  return found;
}

/** SIGKILL every live process whose command line mentions `needle` (a failed test leaves nothing behind). */
function killMentioning(needle: string): void {
  for (const line of processesMentioning(needle)) {
    try {
      process.kill(Number(line.split(':')[0]), 'SIGKILL');
    } catch {
      // gone
    }
  }
}

void test('`lookout up` (demo, real gateway and detector): READY and WATCHDOG to systemd, real detections printed and served, clean stop on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-up-process-'));
  const socket = await FakeNotifySocket.start();
  t.after(async () => {
    await socket.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let stdout = '';
  let stderr = '';
  // PATH without mediamtx: the demo runs the detector on the source directly.
  const child = spawn(process.execPath, [LOOKOUT, 'up', '--demo', '--http-port', '0'], {
    cwd: dir,
    env: { PATH: '/usr/bin:/bin', HOME: dir, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '1000000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // The detector child and its decoders too (their command lines name our temp dir).
    killMentioning(dir);
  });
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const ready = await socket.waitFor('READY=1', 60_000);
  assert.match(ready.msg, /STATUS=1 camera\(s\); detector supervised/);
  assert.match(stdout, /Lookout demo/);
  assert.match(stdout, /mediamtx was not found/);
  await socket.waitFor('WATCHDOG=1', 10_000);
  // The detector child is running (its command line names the demo config in our temp dir).
  const deadline = Date.now() + 30_000;
  while (!processesMentioning(join(dir, 'state', 'demo')).some((line) => line.includes(' detector ')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.ok(processesMentioning(dir).some((line) => line.includes(' detector ')), `detector child not seen:\n${stderr.slice(-2000)}`);

  // Real detections from the bundled model, printed and served by the gateway's HTTP API.
  const seen = Date.now() + 60_000;
  while (!/ demo new: (person|car) \d+%/.test(stdout) && Date.now() < seen) await new Promise((r) => setTimeout(r, 100));
  assert.match(stdout, / demo new: (person|car) \d+%/, `no event printed:\n${stdout.slice(-1500)}\n${stderr.slice(-1500)}`);
  const api = /curl (http:\/\/127\.0\.0\.1:\d+)\/api\/v1\/events/.exec(stdout)?.[1];
  // The detector's event store, through the gateway's proxy (gateway/web/detector-proxy.ts).
  const events = (await (await fetch(`${api}/api/v1/events?limit=5`)).json()) as { status: string; data: Array<{ camera: string; label: string }> };
  assert.equal(events.status, 'ok');
  assert.ok(events.data.some((event) => event.camera === 'demo' && ['person', 'car'].includes(event.label)), JSON.stringify(events).slice(0, 500));

  const stopAsked = Date.now();
  child.kill('SIGTERM'); // like systemd's KillMode=mixed: the main process only
  const exit = await exited;
  assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}\n${stderr.slice(-2000)}`);
  assert.ok(Date.now() - stopAsked < 20_000, 'within shutdown_timeout plus margin');
  await socket.waitFor('STOPPING=1', 5000);
  // Nothing of the appliance is left: no detector, no decoder ffmpeg reading the demo clip.
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(processesMentioning(dir), []);
});

void test('`lookout up` SIGKILLed: the next start ends every process of the first run (detector, decoders, pipelines) and its detector binds on the first try', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-up-orphans-'));
  t.after(() => {
    killMentioning(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const clip = await ensureDemoClip(stateDir);
  const [httpPort, detectorHttpPort] = [await freePort(), await freePort()];
  // File camera, detector on, fixed ports: the second run's detector needs the same port.
  const input = demoConfigInput({ stateDir, source: pathToFileURL(clip).href, mediamtx: false, httpPort, detectorHttpPort });
  const configFile = join(dir, 'lookout.yml');
  writeFileSync(configFile, `${JSON.stringify(input, null, 2)}\n`, { mode: 0o600 });

  const runs: Array<{ child: ReturnType<typeof spawn>; output: () => string; exited: Promise<unknown> }> = [];
  const startUp = async () => {
    const socket = await FakeNotifySocket.start();
    t.after(() => socket.close());
    let output = '';
    const child = spawn(process.execPath, [LOOKOUT, 'up', '--config', configFile], {
      cwd: dir,
      env: { PATH: '/usr/bin:/bin', HOME: dir, NOTIFY_SOCKET: socket.path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    runs.push({ child, output: () => output, exited });
    await socket.waitFor('READY=1', 90_000);
    return { child, output: () => output };
  };
  const detectorHealthy = async () => {
    try {
      return (await fetch(`http://127.0.0.1:${detectorHttpPort}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  };
  const waitUntil = async (check: () => boolean | Promise<boolean>, ms: number, what: string) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const first = await startUp();
  // The detector serves and its decoder reads the clip (both name our temp dir on their command line).
  await waitUntil(detectorHealthy, 90_000, 'first detector serving');
  await waitUntil(() => processesMentioning(clip).length > 0, 60_000, 'a decoder reading the clip');
  const firstRun = processesMentioning(dir)
    .map((line) => Number(line.split(':')[0]))
    .filter((pid) => pid !== first.child.pid)
    .map((pid) => ({ pid, startTime: readStartTime(pid) }));
  assert.ok(firstRun.length >= 2, `detector and decoder expected, saw ${JSON.stringify(processesMentioning(dir))}`);

  first.child.kill('SIGKILL');
  await runs[0]?.exited;
  // Nothing ran on SIGKILL: the first run's detector is still there, orphaned, holding its port.
  assert.ok(firstRun.some(({ pid, startTime }) => startTime !== undefined && readStartTime(pid) === startTime && isAlive(pid)), 'the first run left orphans (the premise)');

  const second = await startUp();
  // Same pid and start time, and not a zombie (this machine's pid 1 does not reap re-parented children).
  const survivors = firstRun.filter(({ pid, startTime }) => startTime !== undefined && readStartTime(pid) === startTime && isAlive(pid));
  assert.deepEqual(survivors, [], 'no process of the first run survives the second start');
  await waitUntil(detectorHealthy, 90_000, 'second detector serving');
  // Give a crash-looping detector the time to show it (first backoff is 1 s).
  await new Promise((r) => setTimeout(r, 3000));
  assert.doesNotMatch(second.output(), /EADDRINUSE|detector exited|restarting in/, `the new detector started once:\n${second.output().slice(-2000)}`);

  // The detector alone SIGKILLed while `up` lives on: its decoders (own process groups, re-parented
  // to init) are ended at once from the detector's registry, not when their next write fails.
  const detectorPids = processesMentioning(`detector --config ${configFile}`).map((line) => Number(line.split(':')[0]));
  assert.equal(detectorPids.length, 1, `one detector: ${JSON.stringify(processesMentioning(dir))}`);
  const decoders = processesMentioning(clip)
    .map((line) => Number(line.split(':')[0]))
    .filter((pid) => !detectorPids.includes(pid))
    .map((pid) => ({ pid, startTime: readStartTime(pid) }));
  assert.ok(decoders.length >= 1, 'the detector has a decoder');
  process.kill(detectorPids[0]!, 'SIGKILL');
  const decodersAlive = () => decoders.filter(({ pid, startTime }) => startTime !== undefined && readStartTime(pid) === startTime && isAlive(pid));
  await waitUntil(() => decodersAlive().length === 0, 5000, `the killed detector's decoders to end (alive: ${JSON.stringify(decodersAlive())})`);
  assert.equal(second.child.exitCode, null, 'lookout up keeps running');
  await waitUntil(detectorHealthy, 90_000, 'the restarted detector serving');
  second.child.kill('SIGTERM');
  await runs[1]?.exited;
});
