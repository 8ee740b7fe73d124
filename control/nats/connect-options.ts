/**
 * `@nats-io/transport-node` connect options from the `nats` config section: reconnect forever,
 * token or user/password, a credentials file (user JWT + nkey seed, `nats.creds_file`) or an nkey
 * seed file (`nats.nkey_file`; ignored when `creds_file` is set too), and TLS (`nats.tls`: CA,
 * client cert and key, handshake first).
 * Every file is read and checked once here so a bad path or a wrong file fails at start with the
 * config field in the message; the authenticators re-read the file on each reconnect (rotated
 * credentials work without a restart) and keep the last good contents if a read fails. Seeds go
 * into the secret registry and never into a message.
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, nkeys, type ConnectionOptions } from '@nats-io/transport-node';
import type { NatsConfig } from '../../common/config/schema-outputs.ts';
import { secrets } from '../../common/redact.ts';

/** A file named in the `nats` config could not be read or is not what the field expects. */
export class NatsConfigFileError extends Error {
  override readonly name = 'NatsConfigFileError';
}

function readField(field: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new NatsConfigFileError(`nats.${field}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}

/** Re-reads `path` on every call (each connect), falling back to the last good contents. */
function rereading(path: string, first: Buffer, check: (data: Buffer) => void): () => Uint8Array {
  let last = first;
  return () => {
    try {
      const data = readFileSync(path);
      check(data);
      last = data;
    } catch {
      // keep the last good contents; the server refuses them if they were revoked
    }
    return new Uint8Array(last);
  };
}

/** The user seed in an nkey file (`SU...`); registers it as a secret. */
function nkeySeed(data: Buffer): string {
  const seed = data.toString('utf8').trim();
  secrets.add(seed);
  try {
    const pair = nkeys.fromSeed(new TextEncoder().encode(seed));
    if (!pair.getPublicKey().startsWith('U')) throw new Error('not a user key');
  } catch {
    throw new NatsConfigFileError('nats.nkey_file: not an nkey user seed (expected one line starting with SU)');
  }
  return seed;
}

/** Parses a creds file the way the client will (and registers its seed as a secret). */
function checkCreds(data: Buffer): void {
  const seed = /-{3,}[^\n]*SEED[^\n]*-{3,}\s*\n\s*(\S+)/i.exec(data.toString('utf8'))?.[1];
  secrets.add(seed);
  try {
    credsAuthenticator(new Uint8Array(data))('nonce');
  } catch {
    throw new NatsConfigFileError('nats.creds_file: not a NATS credentials file (expected a user JWT block and an nkey seed block)');
  }
}

export interface NatsConnectInput {
  config: NatsConfig;
  name: string;
  reconnectTimeWaitMs?: number;
}

export function natsConnectOptions(input: NatsConnectInput): ConnectionOptions {
  const { config } = input;
  const options: ConnectionOptions = {
    servers: config.servers,
    name: input.name,
    maxReconnectAttempts: -1,
    // One dial attempt (TCP + TLS + CONNECT) may take this long.
    timeout: Math.max(5000, config.request_timeout),
    reconnectTimeWait: input.reconnectTimeWaitMs ?? 1000,
  };
  if (config.token) options.token = config.token;
  if (config.user) options.user = config.user;
  if (config.password) options.pass = config.password;
  if (config.creds_file) {
    const data = readField('creds_file', config.creds_file);
    checkCreds(data);
    options.authenticator = credsAuthenticator(rereading(config.creds_file, data, checkCreds));
  }
  if (config.nkey_file && !config.creds_file) {
    const data = readField('nkey_file', config.nkey_file);
    nkeySeed(data);
    const seed = rereading(config.nkey_file, data, (next) => void nkeySeed(next));
    options.authenticator = nkeyAuthenticator(() => new TextEncoder().encode(new TextDecoder().decode(seed()).trim()));
  }
  const tls = config.tls;
  if (tls) {
    // Paths are checked here (clear field names); the client reads them on every connect.
    if (tls.ca) readField('tls.ca', tls.ca);
    if (tls.cert) readField('tls.cert', tls.cert);
    if (tls.key) readField('tls.key', tls.key);
    options.tls = {
      ...(tls.ca ? { caFile: tls.ca } : {}),
      ...(tls.cert ? { certFile: tls.cert } : {}),
      ...(tls.key ? { keyFile: tls.key } : {}),
      ...(tls.handshake_first ? { handshakeFirst: true } : {}),
    };
  }
  return options;
}
