/**
 * The MQTT password never reaches a log line: a control plane with the real JSON logger (in a child
 * process, its stdout read here) logs in to a real mosquitto that requires a password, once with a
 * wrong password (refused, retried, logged) and once with the right one, also with the password in
 * the URL's user-info. The log lines must say what happened and must not contain the password.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, Mosquitto } from '../../test/support/brokers.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'mqtt-log-child.ts');
const PASSWORD = 'Mq77-S3cret-pw';
let dir: string;
let broker: Mosquitto;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-mqtt-secret-'));
  await promisify(execFile)('mosquitto_passwd', ['-b', '-c', join(dir, 'passwd'), 'lookout', PASSWORD], { timeout: 10_000 });
  // mosquitto started as root drops to the `mosquitto` user, which must be able to read its files here.
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'passwd'), 0o644);
  const port = await freePort();
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${join(dir, 'passwd')}`, 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice'].join('\n') + '\n',
  );
  broker = new Mosquitto('mosquitto', ['-c', join(dir, 'mosquitto.conf')], port, join(dir, 'run'));
  await broker.start();
});
after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the child (own process group, bounded) and returns its stdout lines. */
async function runChild(url: string, password: string): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, join(dir, `state-${Math.random().toString(36).slice(2)}`)], {
    env: { ...process.env, MQTT_URL: url, MQTT_USER: 'lookout', MQTT_PASSWORD: password, LOOKOUT_LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(timer);
  assert.equal(code, 0, `child failed: ${stderr}`);
  assert.ok(stdout.includes('done'), stdout);
  return [...stdout.split('\n'), ...stderr.split('\n')].filter(Boolean);
}

void test('a refused login is logged without the password', { timeout: 120_000 }, async () => {
  const wrong = `${PASSWORD}-wrong`;
  const lines = await runChild(broker.url, wrong);
  assert.ok(lines.some((line) => /mqtt error/.test(line) && /not authori[sz]ed|bad user name or password/i.test(line)), lines.join('\n'));
  for (const line of lines) assert.ok(!line.includes(wrong) && !line.includes(PASSWORD), `password in a log line: ${line}`);
});

void test('a good login, with the password also in the URL, is logged without it', { timeout: 120_000 }, async () => {
  const url = `mqtt://lookout:${PASSWORD}@127.0.0.1:${broker.port}`;
  const lines = await runChild(url, PASSWORD);
  assert.ok(lines.some((line) => line.includes('mqtt connected') && line.includes('lookout:***@127.0.0.1')), lines.join('\n'));
  for (const line of lines) assert.ok(!line.includes(PASSWORD), `password in a log line: ${line}`);
});
