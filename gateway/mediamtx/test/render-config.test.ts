// Contract tests for the rendered mediamtx config, written from the shared facts (docs/mediamtx.md
// §2, §3, §5, §6, §7, §12) and the v1.20.1 key list fixture. mediamtx itself does not run here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfig } from '../../../common/config/load.ts';
import { checkConfKeys, confKeysV1201, parseConfKeys } from '../conf-keys.ts';
import { buildMediamtxConfig, demandCommand, hookArg, parseBaseConfig, renderMediamtxConfig } from '../render-config.ts';
import { MediamtxConfigError, MediamtxConfigKeyError } from '../errors.ts';
import { LAUNCH_NODE_FLAGS } from '../../../common/launch-tuning.ts';

const BASE_FILE = fileURLToPath(new URL('../../../mediamtx.yml', import.meta.url));
const LOOKOUT_BIN = '/opt/lookout/bin/lookout.js';

function lookout(extra: Record<string, unknown> = {}) {
  return parseConfig(
    {
      http: { port: 8181 },
      mediamtx: { rtsp_port: 18554, api_port: 19997, metrics_port: 19998, hls_port: 18888, webrtc_port: 18889 },
      cameras: [
        { id: 'front', source: 'rtsp://user:pw@192.0.2.1/stream' },
        { id: 'garage', source: 'testsrc://', mode: 'on-demand' },
        { id: 'yes', source: 'testsrc://', enabled: false },
        { id: 'no', source: 'testsrc://' },
      ],
      ...extra,
    },
    { env: {} },
  );
}

const options = { gatewayUrl: 'http://127.0.0.1:8181', lookoutBin: LOOKOUT_BIN, nodePath: '/usr/bin/node' };

async function shippedBase() {
  return parseBaseConfig(await readFile(BASE_FILE, 'utf8'));
}

void test('the shipped mediamtx.yml only uses v1.20.1 keys and has the documented safety settings', async () => {
  const base = await shippedBase();
  assert.deepEqual(checkConfKeys(base), []);
  assert.equal(base.rtspEncryption, 'no', 'quoted "no" must stay a string under YAML 1.1');
  assert.deepEqual(base.rtspTransports, ['tcp']);
  assert.equal(base.authMethod, 'http');
  assert.equal(base.api, true);
  assert.match(String(base.apiAddress), /^127\.0\.0\.1:\d+$/);
  assert.match(String(base.metricsAddress), /^127\.0\.0\.1:\d+$/);
  for (const off of ['rtmp', 'srt', 'moq']) assert.equal(base[off], false, `${off} should be off`);
  assert.equal(base.hls, true);
  assert.equal('authHTTPExclude' in base, false, 'api/metrics are decided by the gateway (loopback only), not excluded');
  assert.equal('paths' in base, false);
});

void test('rendered config: every key valid, types right, quoted enums survive a YAML 1.1 reading', async () => {
  const rendered = buildMediamtxConfig(await shippedBase(), lookout(), options);
  const reread = parse(rendered.text, { version: '1.1' }) as Record<string, unknown>;
  assert.deepEqual(checkConfKeys(reread), []);
  assert.equal(reread.rtspEncryption, 'no');
  assert.equal(typeof reread.rtspEncryption, 'string');
  assert.equal(reread.rtspAddress, ':18554');
  assert.equal(reread.apiAddress, '127.0.0.1:19997');
  assert.equal(reread.metricsAddress, '127.0.0.1:19998');
  assert.equal(reread.hlsAddress, ':18888');
  assert.equal(reread.webrtcAddress, ':18889');
  for (const key of ['readTimeout', 'writeTimeout']) assert.equal(typeof reread[key], 'string', `${key} must be a duration string`);
  assert.equal(reread.authHTTPAddress, 'http://127.0.0.1:8181/mediamtx/auth');
  assert.equal(reread.api, true);
  assert.equal(reread.writeQueueSize, 512);
  const paths = reread.paths as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(paths).sort(), ['front', 'garage', 'no'], 'one path per enabled camera; "no" stays a string key');
  assert.deepEqual(paths.front, { source: 'publisher', overridePublisher: false });
  const garage = paths.garage!;
  assert.equal(garage.runOnDemand, `/usr/bin/node ${LAUNCH_NODE_FLAGS.join(' ')} /opt/lookout/bin/lookout.js demand garage --gateway http://127.0.0.1:8181`);
  assert.equal(garage.runOnDemandRestart, true);
  assert.equal(garage.runOnDemandStartTimeout, '10s');
  assert.equal(garage.runOnDemandCloseAfter, '10s');
  assert.doesNotMatch(rendered.text, /pw@/, 'camera sources never reach the mediamtx config');
});

void test('every YAML-1.1-boolean-looking string is quoted in the output', () => {
  const base = { logLevel: 'info', rtspEncryption: 'no', hlsVariant: 'lowLatency', logDestinations: ['stdout'] };
  const { text } = buildMediamtxConfig(base, lookout(), options);
  assert.match(text, /rtspEncryption: "no"/);
  const reread = parse(text, { version: '1.1' }) as Record<string, unknown>;
  assert.equal(reread.rtspEncryption, 'no');
});

void test('an unknown key (or a wrong-case key) is refused with its name', async () => {
  const base = await shippedBase();
  assert.throws(() => buildMediamtxConfig({ ...base, rtspAdress: ':1' }, lookout(), options), (error: unknown) => {
    assert.ok(error instanceof MediamtxConfigKeyError);
    assert.equal(error.keyPath, 'rtspAdress');
    return true;
  });
  assert.throws(() => buildMediamtxConfig({ ...base, LogLevel: 'info' }, lookout(), options), /unknown key "LogLevel"/);
  assert.throws(() => buildMediamtxConfig({ ...base, pathDefaults: { source: 'publisher', sourceOnDemandd: true } }, lookout(), options), /unknown key "pathDefaults.sourceOnDemandd"/);
});

void test('deprecated keys are accepted with a warning; base "paths" and unquoted enum booleans are refused', async () => {
  const base = await shippedBase();
  const { warnings } = buildMediamtxConfig({ ...base, readBufferCount: 512 }, lookout(), options);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /readBufferCount: deprecated/);
  assert.throws(() => buildMediamtxConfig({ ...base, paths: { all_others: {} } }, lookout(), options), MediamtxConfigError);
  const unquoted = parseBaseConfig('rtspEncryption: no\n');
  assert.equal(unquoted.rtspEncryption, false, 'YAML 1.1 reads an unquoted no as a boolean, as mediamtx does');
  assert.throws(() => buildMediamtxConfig(unquoted, lookout(), options), /rtspEncryption is read as a boolean/);
});

void test('hook arguments: spaces are quoted, "$" is refused (mediamtx expands it even in quotes)', () => {
  assert.equal(hookArg('/opt/my lookout/bin/lookout.js'), "'/opt/my lookout/bin/lookout.js'");
  assert.throws(() => hookArg('/opt/$HOME/x'), /contains "\$"/);
  assert.match(demandCommand('cam_1', { ...options, lookoutBin: '/a b/lookout.js' }), new RegExp(`^/usr/bin/node ${LAUNCH_NODE_FLAGS.join(' ')} '/a b/lookout\\.js' demand cam_1 `));
});

void test('the key list fixture parses and has its provenance header', async () => {
  const keys = confKeysV1201();
  assert.ok(keys.global.has('rtspEncryption') && keys.global.has('authHTTPExclude'));
  assert.ok(keys.path.has('runOnDemandCloseAfter') && keys.path.has('overridePublisher'));
  assert.equal(keys.global.has('overridePublisher'), false);
  const text = await readFile(new URL('../fixtures/mediamtx-conf-keys-v1.20.1.txt', import.meta.url), 'utf8');
  assert.match(text.split('\n')[0]!, /^# Provenance:/);
  assert.throws(() => parseConfKeys('global:ok\nnonsense line\n'), /cannot parse line/);
});

void test('renderMediamtxConfig writes atomically and leaves no temp file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookout-render-'));
  try {
    const outFile = join(dir, 'mediamtx.effective.yml');
    const baseText = await readFile(BASE_FILE, 'utf8');
    await renderMediamtxConfig(baseText, lookout(), { ...options, outFile });
    await renderMediamtxConfig(baseText, lookout(), { ...options, outFile });
    assert.deepEqual(await readdir(dir), ['mediamtx.effective.yml']);
    const reread = parse(await readFile(outFile, 'utf8'), { version: '1.1' }) as Record<string, unknown>;
    assert.equal(reread.rtspEncryption, 'no');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
