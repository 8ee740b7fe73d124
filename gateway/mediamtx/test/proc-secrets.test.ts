/**
 * Where a camera password can be seen, with the real CLI gateway (`node bin/lookout.js gateway`,
 * its real pino logger on stdout) running a camera whose RTSP source URL carries `S3cretPW`.
 *
 * Stand-ins: the FAKE mediamtx (test/fixtures/fake-mediamtx) is spawned as the sidecar (Control API
 * only); RTSP is the rtsp-streaming-server stand-in (UDP), whose publish-auth hook plays mediamtx's
 * `authMethod: http` part (shared docs/mediamtx.md §4): on ANNOUNCE it POSTs the mediamtx v1.20.1 body
 * to the gateway's /mediamtx/auth, with one session id per RTSP connection.
 *
 * Asserted: the password is in no log line, no API response (list, one camera, /metrics, errors),
 * no /proc/<pid>/environ, and in exactly one /proc/<pid>/cmdline: the camera's ffmpeg child. The
 * publish credential, read from that cmdline as a local user would, is refused for a new publish
 * (a real ffmpeg gets 401) while the real publisher keeps running; the per-boot API and demand
 * secrets are in no cmdline or environ at all.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { api, freeTcpPort, tempDir, waitUntil } from '../../../test/support/gateway-harness.ts';
import { startRtspStandIn } from '../../../test/support/rtsp-stand-in.ts';
import { API_CREDENTIAL_FILE, DEMAND_SECRET_FILE } from '../boot-secrets.ts';

const BIN = fileURLToPath(new URL('../../../bin/lookout.js', import.meta.url));
const FAKE = fileURLToPath(new URL('../../../test/fixtures/fake-mediamtx/fake-mediamtx.mjs', import.meta.url));
const BASE = fileURLToPath(new URL('../../../mediamtx.yml', import.meta.url));
const PASSWORD = 'S3cretPW';
const FEED = { user: 'feed', password: 'feed-pass-1' };

/** Every process's cmdline and environ (this test runs as the same user or root, so all readable). */
function scanProc(): Array<{ pid: number; cmdline: string; environ: string }> {
  const out: Array<{ pid: number; cmdline: string; environ: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const read = (file: string) => {
      try {
        return readFileSync(`/proc/${entry}/${file}`, 'latin1');
      } catch {
        return '';
      }
    };
    out.push({ pid: Number(entry), cmdline: read('cmdline'), environ: read('environ') });
  }
  return out;
}

function startProcess(command: string, args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function stopGroup(run: { child: ChildProcess; exited: Promise<number | null> }, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  try {
    process.kill(-run.child.pid!, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-run.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 8000);
  await run.exited;
  clearTimeout(timer);
}

void test(`/proc, logs and API: the camera password "${PASSWORD}" is only in its ffmpeg's cmdline; a publish credential read from there is refused`, async (t) => {
  const dir = tempDir('lookout-proc-');
  const [httpPort, apiPort, metricsPort, hlsPort, webrtcPort] = await Promise.all([freeTcpPort(), freeTcpPort(), freeTcpPort(), freeTcpPort(), freeTcpPort()]);
  const sessions = new WeakMap<Socket, string>();
  const authAnswers: Array<{ password: string; status: number }> = [];
  // mediamtx's role in auth: forward every ANNOUNCE's credentials to the gateway, as mediamtx does.
  const rtsp = await startRtspStandIn({
    publishAuthentication: async (user, password, req) => {
      const path = new URL(req.uri).pathname.replace(/^\//, '');
      if (path === 'src') return user === FEED.user && password === FEED.password;
      const socket = req.socket as Socket;
      if (!sessions.has(socket)) sessions.set(socket, randomUUID());
      const body = { ip: '127.0.0.1', user, password, token: password, action: 'publish', path, protocol: 'rtsp', id: sessions.get(socket), query: '', userAgent: String(req.headers['user-agent'] ?? '') };
      const answer = await fetch(`http://127.0.0.1:${httpPort}/mediamtx/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      await answer.arrayBuffer();
      authAnswers.push({ password, status: answer.status });
      return answer.status >= 200 && answer.status < 300;
    },
  });
  const runs: Array<{ child: ChildProcess; exited: Promise<number | null> }> = [];
  t.after(async () => {
    for (const run of runs.reverse()) await stopGroup(run);
    await rtsp.close();
    dir.remove();
  });

  // The camera: a test pattern the test publishes to the stand-in as "src", read back by the
  // gateway with the password in the URL.
  const feed = startProcess('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '10', '-pix_fmt', 'yuv420p', '-f', 'rtsp', '-rtsp_transport', 'udp', `rtsp://${FEED.user}:${FEED.password}@127.0.0.1:${rtsp.publishPort}/src`]);
  runs.push(feed);
  await waitUntil(() => rtsp.mounts().includes('/src'), 20_000, 'the source feed mounted');

  const stateDir = join(dir.path, 'state');
  const configFile = join(dir.path, 'lookout.yml');
  writeFileSync(
    configFile,
    JSON.stringify({
      log_level: 'debug',
      state_dir: stateDir,
      shutdown_timeout: '5s',
      http: { host: '127.0.0.1', port: httpPort },
      mediamtx: { bin: FAKE, base_config: BASE, host: '127.0.0.1', rtsp_port: rtsp.publishPort, api_port: apiPort, metrics_port: metricsPort, hls_port: hlsPort, webrtc_port: webrtcPort, ready_timeout: '8s' },
      pipelines: { publish_transport: 'udp', stop_grace: '1s', backoff_initial: '200ms', backoff_max: '1s' },
      cameras: [{ id: 'cam1', source: `rtsp://viewer:${PASSWORD}@127.0.0.1:${rtsp.readPort}/src`, rtsp_transport: 'udp', video: 'copy', audio: 'drop' }],
    }),
    { mode: 0o600 },
  );
  const gateway = startProcess(process.execPath, [BIN, 'gateway', '--config', configFile]);
  runs.unshift(gateway); // stopped first

  const camera = async () => (await api(httpPort, 'GET', '/api/v1/cameras/cam1').catch(() => undefined))?.body.data as { state?: string; pid?: number } | undefined;
  await waitUntil(async () => (await camera())?.state === 'running', 45_000, `cam1 running (gateway output: ${gateway.output().slice(-2000)})`);
  const ffmpegPid = (await camera())!.pid!;
  assert.ok(rtsp.mounts().includes('/cam1'), 'the gateway publishes cam1');

  // API answers: list, one camera, metrics, and error envelopes.
  const replies = [
    await api(httpPort, 'GET', '/api/v1/cameras'),
    await api(httpPort, 'GET', '/api/v1/cameras/cam1'),
    await api(httpPort, 'GET', '/metrics'),
    await api(httpPort, 'GET', '/api/v1/cameras/nope'),
    await api(httpPort, 'POST', '/api/v1/cameras/cam1/pause', { body: 'x', contentType: 'text/plain' }),
  ];
  assert.equal(replies[0]!.status, 200);
  assert.equal(replies[2]!.status, 200);
  assert.ok(replies.slice(3).every((reply) => reply.status >= 400), 'error answers too');
  const apiText = replies.map((reply) => JSON.stringify(reply.body)).join('\n');
  assert.ok(apiText.length > 500, 'the API answered with content');
  assert.equal(apiText.includes(PASSWORD), false, 'no API response or metrics line contains the password');

  // /proc: exactly one process has the password in its argv, the camera's ffmpeg; no environ has it.
  const procs = scanProc();
  const withPassword = procs.filter((proc) => proc.cmdline.includes(PASSWORD)).map((proc) => proc.pid);
  assert.deepEqual(withPassword, [ffmpegPid], 'only the camera ffmpeg child carries the password (in its input URL)');
  const ffmpegArgv = procs.find((proc) => proc.pid === ffmpegPid)!.cmdline.split('\0').slice(0, -1);
  assert.equal(ffmpegArgv[0], 'ffmpeg');
  assert.equal(ffmpegArgv[ffmpegArgv.indexOf('-i') + 1], `rtsp://viewer:${PASSWORD}@127.0.0.1:${rtsp.readPort}/src`, 'exactly where: the -i input URL');
  assert.deepEqual(procs.filter((proc) => proc.environ.includes(PASSWORD)).map((proc) => proc.pid), [], 'no environment holds it');

  // The per-boot secrets are in files only: no cmdline, no environ.
  const apiSecret = readFileSync(join(stateDir, API_CREDENTIAL_FILE), 'utf8').trim().split(':')[1]!;
  const demandSecret = readFileSync(join(stateDir, DEMAND_SECRET_FILE), 'utf8').trim();
  assert.ok(apiSecret.length >= 40 && demandSecret.length >= 40);
  for (const secret of [apiSecret, demandSecret]) {
    assert.deepEqual(procs.filter((proc) => proc.cmdline.includes(secret) || proc.environ.includes(secret)).map((proc) => proc.pid), []);
  }

  // The publish credential, as a local user reads it from the ffmpeg's cmdline.
  const target = new URL(ffmpegArgv.at(-1)!);
  assert.equal(target.pathname, '/cam1');
  const stolen = { user: decodeURIComponent(target.username), password: decodeURIComponent(target.password) };
  assert.equal(stolen.user, 'lookout-pub-cam1');
  const answersFor = (password: string) => authAnswers.filter((answer) => answer.password === password).map((answer) => answer.status);
  assert.deepEqual(answersFor(stolen.password), [200], 'the real publish used it once');
  const attacker = await execa('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'rtsp', '-rtsp_transport', 'udp', `rtsp://${stolen.user}:${stolen.password}@127.0.0.1:${rtsp.publishPort}/cam1`], { reject: false, timeout: 20_000, killSignal: 'SIGKILL' });
  assert.notEqual(attacker.exitCode, 0, 'the replay is refused');
  assert.match(attacker.stderr, /401|Unauthorized/i);
  assert.deepEqual(answersFor(stolen.password), [200, 403], 'gateway: first use allowed, the reuse denied');
  assert.equal((await camera())?.state, 'running', 'the real publisher is untouched');
  assert.equal((await camera())?.pid, ffmpegPid);

  // Logs: stop the gateway cleanly, then scan everything it printed.
  await stopGroup(gateway);
  assert.equal(await gateway.exited, 0, gateway.output().slice(-2000));
  const logs = gateway.output();
  const lines = logs.split('\n').filter((line) => line.trim() !== '');
  assert.ok(lines.length > 10, `the gateway logged (${lines.length} lines)`);
  assert.ok(lines.some((line) => /mediamtx auth denied/.test(line) && /already used publish credential/.test(line)), 'the refusal is logged');
  for (const secret of [PASSWORD, stolen.password, apiSecret, demandSecret]) {
    assert.deepEqual(lines.filter((line) => line.includes(secret)), [], 'no log line carries a secret');
  }
  console.log(`# ${lines.length} log lines, ${procs.length} processes scanned; password only in pid ${ffmpegPid} (ffmpeg -i)`);
});
