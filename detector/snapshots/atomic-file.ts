/**
 * Whole-or-nothing file writes for snapshots: the bytes go to a temp file in the same directory, are
 * fsynced, and the temp file is renamed over the final name (atomic on one file system), then the
 * directory is fsynced so the rename itself is durable. A reader sees the old file, the new file or
 * no file, never half a JPEG. Temp files left by a crash are removed by `removeTempFiles`.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../../common/private-files.ts';

export const TEMP_PREFIX = '.tmp-';

/** `syncDir: false` leaves the directory fsync to the caller (one for several files: `syncDir()`). */
export async function writeFileAtomic(dir: string, name: string, data: Uint8Array, options: { syncDir?: boolean } = {}): Promise<void> {
  const temp = join(dir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}-${name}`);
  const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    await handle.chmod(PRIVATE_FILE_MODE); // the open mode is masked by the umask; chmod is not
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, join(dir, name));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  if (options.syncDir !== false) await syncDir(dir);
}

/** Makes the directory's entries (renames) durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Deletes temp files a crash left behind; returns how many. */
export async function removeTempFiles(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    removed++;
  }
  return removed;
}
