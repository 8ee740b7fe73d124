import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDurationMs } from '../../common/duration.ts';
import { lookoutConfigSchema } from '../../common/config/schema.ts';
import { LAUNCH_ENV, LAUNCH_NODE_FLAGS } from '../../common/launch-tuning.ts';
import { parseUnitFile, unitValue } from './unit-file.ts';

const UNITS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'systemd');
const LOOKOUT_UNITS = ['lookout-gateway.service', 'lookout-detector.service'];
const ALL_UNITS = [...LOOKOUT_UNITS, 'mediamtx.service'];

/** systemd time spans as used in these units ("30", "30s", "2min"). */
function seconds(value: string | undefined): number {
  assert.ok(value, 'missing time value');
  const match = /^(\d+)(s|min)?$/.exec(value);
  assert.ok(match, `unsupported time span ${value}`);
  return Number(match[1]) * (match[2] === 'min' ? 60 : 1);
}

void test('systemd-analyze verify accepts every unit (ExecStart paths substituted with real executables)', (t) => {
  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  assert.equal(analyze.status, 0, 'systemd-analyze must be installed (apt-get install systemd)');
  const root = mkdtempSync(join(tmpdir(), 'lookout-units-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // /opt/lookout/bin/mediamtx and bin/lookout.js must exist and mediamtx be executable.
  mkdirSync(join(root, 'opt', 'bin'), { recursive: true });
  writeFileSync(join(root, 'opt', 'bin', 'mediamtx'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(root, 'opt', 'bin', 'mediamtx'), 0o755);
  writeFileSync(join(root, 'opt', 'bin', 'lookout.js'), '');
  const copies = ALL_UNITS.map((name) => {
    const text = readFileSync(join(UNITS_DIR, name), 'utf8').replaceAll('/opt/lookout', join(root, 'opt'));
    assert.ok(!text.includes('/opt/lookout'), 'substitution must be complete');
    const copy = join(root, name);
    writeFileSync(copy, text);
    return copy;
  });
  const result = spawnSync('systemd-analyze', ['verify', '--man=no', ...copies], { encoding: 'utf8', timeout: 60_000 });
  const output = `${result.stdout}${result.stderr}`.trim();
  assert.equal(result.status, 0, output);
  // verify reports problems it does not treat as fatal on stderr too; there must be none about our units.
  const ours = output.split('\n').filter((line) => ALL_UNITS.some((name) => line.includes(name)));
  assert.deepEqual(ours, []);
});

void test('systemd-analyze verify fails on a broken unit (the check above can fail)', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lookout-units-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const copy = join(root, 'mediamtx.service');
  copyFileSync(join(UNITS_DIR, 'mediamtx.service'), copy);
  const result = spawnSync('systemd-analyze', ['verify', '--man=no', copy], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /not executable|No such file/);
});

for (const name of LOOKOUT_UNITS) {
  void test(`${name}: notify + watchdog, bounded stop, dedicated user, hardening without PrivateDevices`, () => {
    const unit = parseUnitFile(join(UNITS_DIR, name));
    const service = (key: string) => unitValue(unit, 'Service', key);
    assert.equal(service('Type'), 'notify');
    assert.equal(service('NotifyAccess'), 'all', 'systemd-notify sends from its own pid');
    assert.ok(seconds(service('WatchdogSec')) >= 10);
    assert.equal(service('Restart'), 'on-failure');
    assert.equal(service('KillMode'), 'mixed');
    const defaults = lookoutConfigSchema.parse({});
    const ownBoundS = defaults.shutdown_timeout / 1000 + defaults.pipelines.stop_grace / 1000;
    assert.ok(seconds(service('TimeoutStopSec')) > ownBoundS, `TimeoutStopSec must exceed ${ownBoundS} s`);
    assert.equal(service('User'), 'lookout');
    assert.deepEqual(service('SupplementaryGroups')?.split(/\s+/).sort(), ['render', 'video']);
    assert.equal(service('StateDirectory'), 'lookout');
    assert.equal(service('ProtectSystem'), 'strict');
    assert.equal(service('PrivateDevices'), undefined, 'PrivateDevices hides /dev/dri');
    assert.equal(service('StateDirectoryMode'), '0700');
    assert.deepEqual(unit.get('Service')?.get('DeviceAllow'), ['char-drm rw', 'char-video4linux rw'], '/dev/dri/* and /dev/video* only');
    assert.equal(service('MemoryDenyWriteExecute'), undefined, 'V8 JIT needs W+X');
    const nodeFlags = LAUNCH_NODE_FLAGS.join(' ');
    assert.match(service('ExecStart') ?? '', new RegExp(`^/usr/bin/node ${nodeFlags} /opt/lookout/bin/lookout\\.js (gateway|detector) --config /etc/lookout/lookout\\.yml$`), 'ExecStart carries the launch tuning');
    const environment = unit.get('Service')?.get('Environment') ?? [];
    for (const [name, value] of Object.entries(LAUNCH_ENV)) assert.ok(environment.includes(`${name}=${value}`), `Environment=${name}=${value} (the launch tuning)`);
    assert.equal(unitValue(unit, 'Install', 'WantedBy'), 'multi-user.target');
  });
}

void test('mediamtx.service: no sd_notify in mediamtx, so Type=exec with a bounded readiness probe and no watchdog', () => {
  const unit = parseUnitFile(join(UNITS_DIR, 'mediamtx.service'));
  const service = (key: string) => unitValue(unit, 'Service', key);
  assert.equal(service('Type'), 'exec');
  assert.equal(service('WatchdogSec'), undefined);
  assert.match(service('ExecStartPost') ?? '', /dev\/tcp\/127\.0\.0\.1\/8554/);
  assert.equal(service('Restart'), 'on-failure');
  assert.equal(service('KillMode'), 'mixed');
  assert.ok(seconds(service('TimeoutStopSec')) > (parseDurationMs('5s') ?? 0) / 1000, 'above mediamtx stop_grace');
  assert.equal(service('ProtectSystem'), 'strict');
  assert.equal(service('PrivateDevices'), 'yes', 'mediamtx and its hook need no device');
  assert.equal(unit.get('Service')?.get('DeviceAllow'), undefined);
  assert.match(service('ExecStart') ?? '', /^\/opt\/lookout\/bin\/mediamtx \/var\/lib\/lookout\/mediamtx\.effective\.yml$/);
  assert.match(service('ExecStartPre') ?? '', /lookout\.js render-mediamtx --config \/etc\/lookout\/lookout\.yml$/);
});

void test('mediamtx.service readiness probe: succeeds once the port listens, fails after its deadline otherwise', async () => {
  const unit = parseUnitFile(join(UNITS_DIR, 'mediamtx.service'));
  const probe = unitValue(unit, 'Service', 'ExecStartPost') ?? '';
  // What systemd hands to bash: `$$` unescaped to `$`, the outer quotes removed.
  const script = /^\/bin\/bash -c '(.*)'$/.exec(probe.replaceAll('$$', '$'))?.[1];
  assert.ok(script, probe);
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const listening = spawnSync('bash', ['-c', script.replaceAll('8554', String(port))], { encoding: 'utf8', timeout: 15_000 });
  await new Promise((resolve) => server.close(resolve));
  assert.equal(listening.status, 0, listening.stderr);
  // Closed port, deadline shortened from 100 to 3 tries.
  const closed = spawnSync('bash', ['-c', script.replaceAll('8554', String(port)).replace('seq 100', 'seq 3')], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(closed.status, 1);
  assert.match(closed.stderr, /not listening after 10 s/);
});

/** The hardening every unit must carry (issue 10): directive → required value. */
const HARDENING: Record<string, string> = {
  UMask: '0027',
  CapabilityBoundingSet: '',
  SystemCallFilter: '@system-service',
  SystemCallArchitectures: 'native',
  RestrictNamespaces: 'yes',
  RestrictRealtime: 'yes',
  ProtectClock: 'yes',
  ProtectKernelLogs: 'yes',
  LockPersonality: 'yes',
  DevicePolicy: 'closed',
  ProtectProc: 'invisible',
  ProcSubset: 'pid',
  NoNewPrivileges: 'yes',
  ProtectSystem: 'strict',
  ProtectHome: 'yes',
  PrivateTmp: 'yes',
  RestrictSUIDSGID: 'yes',
};

/** Directives missing or set differently; SystemCallFilter may be given more than once (allow list first). */
function hardeningProblems(unit: ReturnType<typeof parseUnitFile>): string[] {
  const problems: string[] = [];
  for (const [key, wanted] of Object.entries(HARDENING)) {
    const values = unit.get('Service')?.get(key);
    const ok = key === 'SystemCallFilter' ? values?.[0] === wanted : values?.at(-1) === wanted;
    if (!ok) problems.push(`${key}=${wanted} (found ${values === undefined ? 'nothing' : values.join(' | ')})`);
  }
  return problems;
}

for (const name of ALL_UNITS) {
  void test(`${name}: every hardening directive, ProtectProc=invisible/ProcSubset=pid, private state dir`, () => {
    const unit = parseUnitFile(join(UNITS_DIR, name));
    assert.deepEqual(hardeningProblems(unit), []);
    assert.equal(unitValue(unit, 'Service', 'StateDirectoryMode'), '0700');
    assert.equal(unitValue(unit, 'Service', 'MemoryDenyWriteExecute'), undefined, 'node (service or demand hook) needs W+X for its JIT');
  });
}

void test('the hardening check can fail: a unit without ProtectProc and with a wider UMask is reported', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lookout-units-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const copy = join(root, 'weak.service');
  const text = readFileSync(join(UNITS_DIR, 'lookout-gateway.service'), 'utf8').replace(/^ProtectProc=.*$/m, '').replace('UMask=0027', 'UMask=0022');
  writeFileSync(copy, text);
  assert.deepEqual(hardeningProblems(parseUnitFile(copy)), ['UMask=0027 (found 0022)', 'ProtectProc=invisible (found nothing)']);
});

void test('systemd-analyze security --offline: every unit scores at most 2.5 (was 7.2-7.4 before the hardening)', () => {
  for (const name of ALL_UNITS) {
    const result = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', join(UNITS_DIR, name)], { encoding: 'utf8', timeout: 60_000 });
    const match = /Overall exposure level for \S+: (\d+\.\d+)/.exec(result.stdout);
    assert.ok(match, `${name}: ${result.stdout.slice(-300)}${result.stderr}`);
    const score = Number(match[1]);
    console.log(`# ${name}: exposure ${score}`);
    assert.ok(score <= 2.5, `${name}: exposure ${score}`);
  }
});

void test('mediamtx.service: a clean environment (no EnvironmentFile); only the render step reads lookout.env', (t) => {
  const unit = parseUnitFile(join(UNITS_DIR, 'mediamtx.service'));
  assert.equal(unit.get('Service')?.get('EnvironmentFile'), undefined, 'mediamtx and every hook would inherit the whole lookout.env');
  assert.deepEqual(unit.get('Service')?.get('Environment'), ['LOOKOUT_DEMAND_SECRET_FILE=/var/lib/lookout/demand-hook.secret', ...Object.entries(LAUNCH_ENV).map(([name, value]) => `${name}=${value}`)], 'the demand secret file and the launch tuning for the demand hooks, nothing else');
  for (const name of LOOKOUT_UNITS) {
    const own = parseUnitFile(join(UNITS_DIR, name));
    assert.deepEqual(own.get('Service')?.get('EnvironmentFile'), ['-/etc/lookout/lookout.env'], `${name} keeps its secrets file`);
  }
  // Run the ExecStartPre line as systemd would hand it to sh, with a stand-in for node that prints
  // its argv and the variable a lookout.env defines: with the file, only this command gets --env-file.
  const root = mkdtempSync(join(tmpdir(), 'lookout-units-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const fakeNode = join(root, 'node');
  writeFileSync(fakeNode, '#!/bin/sh\nprintf "%s\\n" "$@"\n');
  chmodSync(fakeNode, 0o755);
  const envFile = join(root, 'lookout.env');
  const pre = (unitValue(unit, 'Service', 'ExecStartPre') ?? '').replaceAll('$$', '$').replaceAll('/usr/bin/node', fakeNode).replaceAll('/etc/lookout/lookout.env', envFile);
  const parsed = /^\/bin\/sh -c '([^']*)' (.*)$/.exec(pre);
  assert.ok(parsed, pre);
  const args = parsed[2]!.split(' ');
  const without = spawnSync('/bin/sh', ['-c', parsed[1]!, ...args], { encoding: 'utf8' });
  assert.equal(without.status, 0, without.stderr);
  assert.deepEqual(without.stdout.trim().split('\n'), ['/opt/lookout/bin/lookout.js', 'render-mediamtx', '--config', '/etc/lookout/lookout.yml']);
  writeFileSync(envFile, 'CAM_PASSWORD=S3cretPW\n', { mode: 0o600 });
  const withFile = spawnSync('/bin/sh', ['-c', parsed[1]!, ...args], { encoding: 'utf8' });
  assert.deepEqual(withFile.stdout.trim().split('\n'), [`--env-file=${envFile}`, '/opt/lookout/bin/lookout.js', 'render-mediamtx', '--config', '/etc/lookout/lookout.yml']);
});
