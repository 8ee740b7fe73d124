import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatReport, runDoctor, type DoctorReport } from '../doctor.ts';
import { writeTinyModel } from './tiny-model.ts';

const LOOKOUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'lookout.js');

function byName(report: DoctorReport, name: string) {
  const found = report.checks.find((check) => check.name === name);
  assert.ok(found, `no check named ${name}: ${JSON.stringify(report.checks.map((c) => c.name))}`);
  return found;
}

/** A port nobody listens on: bind port 0, note it, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function workspace(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-doctor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// PATH without any mediamtx; no MEDIAMTX_BIN.
const ENV = { PATH: '/usr/bin:/bin' };

void test('on this machine: no mediamtx and no /dev/dri are warnings; a loadable model and a live broker are ok', async (t) => {
  const dir = workspace(t);
  writeTinyModel(join(dir, 'tiny.onnx'));
  const broker = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  t.after(() => broker.close());
  const { port } = broker.address() as AddressInfo;
  const config = join(dir, 'lookout.yml');
  writeFileSync(config, `detector:\n  model: ${join(dir, 'tiny.onnx')}\nmqtt:\n  url: mqtt://user:hunter2secret@127.0.0.1:${port}\n`);
  const report = await runDoctor({ configPath: config, configExplicit: true, env: ENV, devDri: join(dir, 'no-dri') });
  assert.equal(byName(report, 'config').status, 'ok');
  assert.equal(byName(report, 'ffmpeg').status, 'ok');
  assert.match(byName(report, 'ffmpeg').detail, /hwaccels:/);
  assert.equal(byName(report, 'mediamtx').status, 'warn');
  assert.equal(byName(report, '/dev/dri').status, 'warn');
  assert.equal(byName(report, 'model').status, 'ok', byName(report, 'model').detail);
  assert.match(byName(report, 'model').detail, /inputs images; outputs output0/);
  assert.equal(byName(report, 'mqtt').status, 'ok');
  assert.equal(report.fail, 0);
  assert.ok(!formatReport(report).includes('hunter2secret'));
});

void test('failures: unreachable broker, broken model, vaapi without /dev/dri, a mediamtx that hangs', async (t) => {
  const dir = workspace(t);
  writeFileSync(join(dir, 'broken.onnx'), 'not a model');
  const fakeMediamtx = join(dir, 'mediamtx');
  writeFileSync(fakeMediamtx, '#!/bin/sh\nexec sleep 30\n');
  chmodSync(fakeMediamtx, 0o755);
  const port = await closedPort();
  const config = join(dir, 'lookout.yml');
  writeFileSync(
    config,
    `mediamtx:\n  bin: ${fakeMediamtx}\ndetector:\n  model: ${join(dir, 'broken.onnx')}\n  hwaccel: vaapi\nnats:\n  servers: [nats://127.0.0.1:${port}]\n`,
  );
  const started = Date.now();
  const report = await runDoctor({ configPath: config, configExplicit: true, env: ENV, timeoutMs: 500, devDri: join(dir, 'no-dri') });
  assert.ok(Date.now() - started < 10_000, 'every check is bounded');
  assert.equal(byName(report, 'mediamtx').status, 'fail');
  assert.match(byName(report, 'mediamtx').detail, /no answer within 500 ms/);
  assert.equal(byName(report, 'model').status, 'fail');
  assert.equal(byName(report, '/dev/dri').status, 'fail');
  assert.equal(byName(report, 'nats').status, 'fail');
  assert.match(byName(report, 'nats').detail, /ECONNREFUSED/);
});

void test('render nodes present but not accessible are reported with the group hint', async (t) => {
  const dir = workspace(t);
  const dri = join(dir, 'dri');
  mkdirSync(dri);
  writeFileSync(join(dri, 'renderD128'), '');
  chmodSync(join(dri, 'renderD128'), 0o000);
  const report = await runDoctor({ configPath: join(dir, 'missing.yml'), configExplicit: false, env: ENV, devDri: dri });
  const check = byName(report, '/dev/dri');
  if (process.getuid?.() === 0) {
    // root may open anything: the node counts as usable.
    assert.equal(check.status, 'ok');
  } else {
    assert.equal(check.status, 'warn');
    assert.match(check.hint ?? '', /render/);
  }
  assert.equal(byName(report, 'config').status, 'warn');
});

void test('lookout doctor CLI: invalid config ⇒ [FAIL] and exit 1; --json is machine-readable', (t) => {
  const dir = workspace(t);
  const config = join(dir, 'lookout.yml');
  writeFileSync(config, 'cameras:\n  - id: Bad Id\n    source: rtsp://cam/x\n');
  const text = spawnSync(process.execPath, [LOOKOUT, 'doctor', '--config', config], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...ENV } });
  assert.equal(text.status, 1, text.stderr);
  assert.match(text.stdout, /\[FAIL\] config +.*invalid configuration/);
  assert.match(text.stdout, /cameras\[0\]\.id/);
  const json = spawnSync(process.execPath, [LOOKOUT, 'doctor', '--config', config, '--json'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...ENV } });
  const report = JSON.parse(json.stdout) as DoctorReport;
  assert.equal(report.checks[0]?.name, 'config');
  assert.ok(report.fail >= 1);
});

void test('a port already taken is a warning that names the key', async (t) => {
  const dir = workspace(t);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const { port } = taken.address() as AddressInfo;
  const config = join(dir, 'lookout.yml');
  writeFileSync(config, `http:\n  port: ${port}\ndetector:\n  http:\n    port: 0\nmediamtx:\n  enabled: false\n`);
  const report = await runDoctor({ configPath: config, configExplicit: true, env: ENV, devDri: join(dir, 'no-dri') });
  const ports = byName(report, 'ports');
  assert.equal(ports.status, 'warn');
  assert.match(ports.detail, new RegExp(`http 127\\.0\\.0\\.1:${port} in use`));
});
