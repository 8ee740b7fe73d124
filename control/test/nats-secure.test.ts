/**
 * NATS credentials and TLS against a real nats-server that requires mutual TLS (a throwaway CA,
 * server and client certificates made with `openssl` in a temp dir, tls-fixtures.ts) and nkey authentication:
 * the control plane connects with `nats.tls` + `nats.nkey_file`, and with `nats.tls` +
 * `nats.creds_file`, and answers a control request over that connection. A wrong seed, or no
 * client certificate, is refused by the server; no seed ever reaches a log line or an error; bad
 * files and bad combinations fail at start or config load with the field named.
 *
 * The server runs without operator mode, so it checks the creds file's nkey signature but not its
 * JWT (checking JWTs needs an operator/account setup, which the test's nats-server does not have).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { connect, nkeyAuthenticator, nkeys, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ConfigError } from '../../common/config/load.ts';
import { startNatsServer, type NatsServer } from '../../test/support/brokers.ts';
import { ControlPlane } from '../control-plane.ts';
import { NatsConfigFileError, natsConnectOptions } from '../nats/connect-options.ts';
import { FakeDetectControl, FakeStreamControl } from './fake-controls.ts';
import { tempDir, testConfig, until } from './helpers.ts';
import { makeCa } from './tls-fixtures.ts';

let dir: string;
let server: NatsServer;
const files = { ca: '', serverCert: '', serverKey: '', clientCert: '', clientKey: '', nkey: '', creds: '', wrongNkey: '' };
const seeds: string[] = [];

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate. */
async function makeCertificates(): Promise<void> {
  const authority = await makeCa(dir);
  const serverCert = await authority.issue('server', 'server');
  const clientCert = await authority.issue('client', 'client');
  Object.assign(files, { ca: authority.ca, serverCert: serverCert.cert, serverKey: serverCert.key, clientCert: clientCert.cert, clientKey: clientCert.key });
}

const b64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

/** A creds file: a user JWT issued (signed) by a fresh account key, and the user's seed. */
function credsFor(user: ReturnType<typeof nkeys.createUser>): string {
  const account = nkeys.createAccount();
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const claims = b64url(
    JSON.stringify({ jti: 'lookout-test', iat: Math.floor(Date.now() / 1000), iss: account.getPublicKey(), name: 'lookout', sub: user.getPublicKey(), nats: { pub: {}, sub: {}, subs: -1, data: -1, payload: -1, type: 'user', version: 2 } }),
  );
  const signature = b64url(account.sign(new TextEncoder().encode(`${header}.${claims}`)));
  const seed = new TextDecoder().decode(user.getSeed());
  return `-----BEGIN NATS USER JWT-----\n${header}.${claims}.${signature}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lookout-nats-tls-'));
  await makeCertificates();
  const nkeyUser = nkeys.createUser();
  const credsUser = nkeys.createUser();
  const stranger = nkeys.createUser();
  for (const pair of [nkeyUser, credsUser, stranger]) seeds.push(new TextDecoder().decode(pair.getSeed()));
  files.nkey = join(dir, 'lookout.nk');
  files.wrongNkey = join(dir, 'stranger.nk');
  files.creds = join(dir, 'lookout.creds');
  writeFileSync(files.nkey, `${seeds[0]}\n`, { mode: 0o600 });
  writeFileSync(files.wrongNkey, `${seeds[2]}\n`, { mode: 0o600 });
  writeFileSync(files.creds, credsFor(credsUser), { mode: 0o600 });
  server = await startNatsServer({
    extraConfig: [
      `tls {\n  cert_file: "${files.serverCert}"\n  key_file: "${files.serverKey}"\n  ca_file: "${files.ca}"\n  verify: true\n  timeout: 5\n}`,
      `authorization {\n  users: [\n    { nkey: ${nkeyUser.getPublicKey()} }\n    { nkey: ${credsUser.getPublicKey()} }\n  ]\n}`,
    ].join('\n'),
  });
});
after(async () => {
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything the plane logs, unredacted (the code must not hand a secret to the logger at all). */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

function natsSection(extra: Record<string, unknown>) {
  return { servers: [server.url], site: 'secure', request_timeout: '2s', ...extra };
}

async function startPlane(t: Parameters<typeof tempDir>[0] & { after(fn: () => Promise<void>): void }, nats: Record<string, unknown>, waitMs = 5000) {
  const config = testConfig({ stateDir: tempDir(t), cameras: [{ id: 'cam1' }], extra: { nats: natsSection(nats) } });
  const { logger, lines } = capturingLogger();
  const plane = new ControlPlane({ config, logger, stream: new FakeStreamControl(['cam1']), detect: new FakeDetectControl(['cam1']), registry: new Registry(), connectWaitMs: waitMs, reconnectMs: 200 });
  t.after(async () => {
    await plane.stop(2000);
  });
  await plane.start();
  return { plane, lines };
}

async function trustedClient(t: { after(fn: () => Promise<void>): void }): Promise<NatsConnection> {
  const nc = await connect({
    servers: server.url,
    tls: { caFile: files.ca, certFile: files.clientCert, keyFile: files.clientKey },
    authenticator: nkeyAuthenticator(new TextEncoder().encode(seeds[0])),
  });
  t.after(async () => {
    await nc.close();
  });
  return nc;
}

const tls = () => ({ ca: files.ca, cert: files.clientCert, key: files.clientKey });

function assertNoSeed(text: string): void {
  for (const seed of seeds) assert.ok(!text.includes(seed), 'a seed reached a log line or message');
  assert.ok(!/\bSU[A-Z2-7]{40,}/.test(text), 'something seed-shaped reached a log line or message');
}

for (const method of ['nkey_file', 'creds_file'] as const) {
  void test(`mutual TLS + ${method}: the plane connects and answers control requests`, async (t) => {
    const { plane, lines } = await startPlane(t, { tls: tls(), [method]: method === 'nkey_file' ? files.nkey : files.creds });
    assert.equal(plane.nats?.connected, true, lines.join(''));
    const nc = await trustedClient(t);
    const reply = (await nc.request('lookout.secure.control.cam1.pause', '{"id":"tls1"}', { timeout: 5000 })).json<{ status: string; id: string }>();
    assert.deepEqual([reply.status, reply.id], ['ok', 'tls1']);
    assertNoSeed(lines.join(''));
  });
}

void test('the server refuses a wrong seed and a missing client certificate; nothing secret is logged', async (t) => {
  const wrongSeed = await startPlane(t, { tls: tls(), nkey_file: files.wrongNkey }, 3000);
  const noClientCert = await startPlane(t, { tls: { ca: files.ca }, nkey_file: files.nkey }, 3000);
  await until(() => wrongSeed.lines.some((line) => line.includes('nats')), 10_000, 'a log line about the refused connection');
  assert.equal(wrongSeed.plane.nats?.connected, false);
  assert.equal(noClientCert.plane.nats?.connected, false);
  assertNoSeed([...wrongSeed.lines, ...noClientCert.lines].join(''));
});

void test('bad files fail at start naming the field; the contents never appear', async (t) => {
  const garbage = join(tempDir(t), 'garbage');
  writeFileSync(garbage, `${seeds[0]?.replace(/^SU/, 'SX')}\n`);
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ nkey_file: join(dir, 'missing.nk') }, /^nats\.nkey_file: cannot read .*missing\.nk \(ENOENT\)$/],
    [{ nkey_file: garbage }, /^nats\.nkey_file: not an nkey user seed/],
    [{ creds_file: garbage }, /^nats\.creds_file: not a NATS credentials file/],
    [{ creds_file: files.nkey }, /^nats\.creds_file: not a NATS credentials file/],
    [{ tls: { ca: join(dir, 'missing-ca.pem') } }, /^nats\.tls\.ca: cannot read/],
    [{ tls: { cert: files.clientCert, key: join(dir, 'missing.key') } }, /^nats\.tls\.key: cannot read/],
  ];
  for (const [nats, expected] of cases) {
    const config = testConfig({ stateDir: tempDir(t), extra: { nats: natsSection(nats) } });
    const error = (() => {
      try {
        natsConnectOptions({ config: config.nats!, name: 'test' });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    assert.ok(error instanceof NatsConfigFileError, `${JSON.stringify(nats)}: ${String(error)}`);
    assert.match(error.message, expected);
    assertNoSeed(error.message);
    assert.ok(!error.message.includes('SX'), 'file contents never echoed');
  }
  // The plane refuses to start with such a file rather than run without its credentials.
  const config = testConfig({ stateDir: tempDir(t), extra: { nats: natsSection({ nkey_file: garbage }) } });
  const plane = new ControlPlane({ config, logger: pino({ level: 'silent' }), detect: new FakeDetectControl(['cam1']), registry: new Registry() });
  await assert.rejects(plane.start(), /nats\.nkey_file: not an nkey user seed/);
  await plane.stop(1000);
});

void test('config load: tls cert needs its key; handshake_first reaches the client; creds_file wins over nkey_file', (t) => {
  const issues = (nats: Record<string, unknown>) => {
    try {
      testConfig({ stateDir: tempDir(t), extra: { nats: natsSection(nats) } });
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.issues.join('\n');
    }
    assert.fail('accepted');
  };
  assert.match(issues({ tls: { cert: '/etc/lookout/client.pem' } }), /^nats\.tls\.key: is required with tls\.cert/m);
  assert.match(issues({ tls: { key: '/etc/lookout/client.key' } }), /^nats\.tls\.cert: is required with tls\.key/m);
  assert.match(issues({ tls: { cat: 'x' } }), /^nats\.tls\.cat: unknown key/m);
  const config = testConfig({ stateDir: tempDir(t), extra: { nats: natsSection({ tls: { ca: files.ca, handshake_first: true } }) } });
  assert.deepEqual(natsConnectOptions({ config: config.nats!, name: 'test' }).tls, { caFile: files.ca, handshakeFirst: true });
});

void test('creds_file and nkey_file both set: the creds file is used (the nkey alone would be refused) and the log says so', async (t) => {
  const strangerSeed = { tls: tls(), creds_file: files.creds, nkey_file: files.wrongNkey };
  const { plane, lines } = await startPlane(t, strangerSeed);
  assert.equal(plane.nats?.connected, true, lines.join(''));
  assert.ok(lines.some((line) => line.includes('nats.creds_file and nats.nkey_file are both set: using nats.creds_file')));
  assertNoSeed(lines.join(''));
});
