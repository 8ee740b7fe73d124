/**
 * The state directory and the files in it (orphan registry, outbox segments, secrets, jsonl sinks)
 * hold pids, events and credentials: only the service user may read them. systemd's
 * StateDirectoryMode covers the unit case; these helpers make the same true when Lookout runs by
 * hand, whatever the umask: directories 0700, files 0600, set with an explicit chmod after creating
 * (mkdir/open modes are masked by the umask, chmod is not).
 *
 * A directory the process does not own (e.g. `state_dir: /tmp`) cannot be chmod-ed: EPERM there
 * is left alone, since the files inside are still created 0600.
 */
import { chmodSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

function notOurs(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EPERM' || code === 'EACCES';
}

/** mkdir -p with mode 0700, then chmod 0700 (umask-independent). */
export function ensurePrivateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (error) {
    if (!notOurs(error)) throw error;
  }
}

/** Async twin of ensurePrivateDirSync. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  try {
    await chmod(dir, PRIVATE_DIR_MODE);
  } catch (error) {
    if (!notOurs(error)) throw error;
  }
}

/** Makes an existing (or just created) file 0600; creates it empty if missing. */
export function ensurePrivateFileSync(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  chmodSync(file, PRIVATE_FILE_MODE);
}

/** chmod 0600: a file that already existed keeps its old mode when opened again, so set it explicitly. */
export async function makePrivate(file: string): Promise<void> {
  await chmod(file, PRIVATE_FILE_MODE);
}
