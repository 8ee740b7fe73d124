/**
 * Secrets the gateway makes at every start, so that being a local user is not enough to drive
 * mediamtx (its Control API can add paths with `runOnInit`, i.e. run commands as the service user)
 * or to hold pipeline slots through the on-demand hook.
 *
 * - The API credential: the gateway's mediamtx API client sends it (Basic auth); the auth policy
 *   allows mediamtx's `api`/`metrics` actions only with it. Written to
 *   `<state_dir>/mediamtx-api.credential` as `user:password` (mode 0600) so an operator who is the
 *   service user or root can make manual calls: `curl -u "$(cat …/mediamtx-api.credential)" …`.
 * - The demand hook secret: written to `<state_dir>/demand-hook.secret` (0600). The hook finds the
 *   file through LOOKOUT_DEMAND_SECRET_FILE in the environment mediamtx passes to its hooks (the
 *   sidecar sets it; under systemd, mediamtx.service does) and sends the secret with its lease
 *   request. A file, not the value itself, because an external mediamtx outlives gateway restarts
 *   while each start makes a new secret.
 *
 * Both are registered for redaction before anything can print them.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ensurePrivateDir } from '../../common/private-files.ts';
import { secrets as globalSecrets, type SecretRegistry } from '../../common/redact.ts';
import { writeFileAtomicAsync } from '../../common/atomic-file.ts';

/** The user name of the API credential (not secret; it names the caller in mediamtx's log). */
export const API_USER = 'lookout-api';
export const API_CREDENTIAL_FILE = 'mediamtx-api.credential';
export const DEMAND_SECRET_FILE = 'demand-hook.secret';
/** The variable that tells the demand hook where its secret is. */
export const DEMAND_SECRET_ENV = 'LOOKOUT_DEMAND_SECRET_FILE';
/** The header the hook sends the secret in. */
export const DEMAND_SECRET_HEADER = 'x-lookout-demand-secret';

export interface BootSecrets {
  api: { user: string; password: string };
  demand: string;
  /** Absolute paths of the two files (written by write()). */
  apiFile: string;
  demandFile: string;
  /** Writes both files, 0600, in a 0700 state dir. */
  write(): Promise<void>;
}

/**
 * 32 random bytes as base64url with `-`/`_` mapped to letters: 43 characters, all in mediamtx's
 * plain-credential set and safe in a URL user-info, a header and a file.
 */
export function mintSecret(): string {
  return randomBytes(32).toString('base64url').replaceAll('-', 'A').replaceAll('_', 'B');
}

export function createBootSecrets(stateDir: string, registry: SecretRegistry = globalSecrets): BootSecrets {
  const api = { user: API_USER, password: mintSecret() };
  const demand = mintSecret();
  registry.add(api.password);
  registry.add(demand);
  const apiFile = join(stateDir, API_CREDENTIAL_FILE);
  const demandFile = join(stateDir, DEMAND_SECRET_FILE);
  return {
    api,
    demand,
    apiFile,
    demandFile,
    async write() {
      await ensurePrivateDir(stateDir);
      await writeFileAtomicAsync(apiFile, `${api.user}:${api.password}\n`);
      await writeFileAtomicAsync(demandFile, `${demand}\n`);
    },
  };
}
