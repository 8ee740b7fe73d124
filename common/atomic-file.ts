/**
 * The one way Lookout replaces a small state file (orphan registries, desired-state sets, outbox
 * cursors): a crash or power cut must leave the old content or the new, never a torn or empty file,
 * and a failed write must leave no temp file behind in the state directory.
 *
 * The work is npm's `write-file-atomic`: a temp file beside the target with a name unique
 * per process, thread and call (so two writers of one path never share a temp), written, fsynced,
 * chmod-ed to the mode we ask (umask-independent), renamed over the target, and unlinked when any
 * step fails. What this module adds: the private mode (0600), an fsync of the directory after the
 * rename (so the rename itself survives a power cut), and one error type that names the target
 * path. Most callers write synchronously on purpose (exit paths, child-exit handlers); the async
 * form is for files written on the way (mediamtx's config and boot secrets, which mediamtx watches:
 * a torn config file would make it exit).
 *
 * Snapshots keep their own writer (detector/snapshots/atomic-file.ts): a recognisable temp prefix
 * that their start-up sweep removes after a crash, and one directory fsync for several files.
 *
 * Behaviours of the library to know: a target that is a symlink is resolved and the real file is
 * replaced (the link stays); an existing target's owner is kept (root rewriting a file of the
 * service user does not take it over); and for the length of each call it hooks process exit
 * (signal-exit) to remove the temp file, which for a synchronous call changes nothing observable,
 * so writing from an exit handler stays safe.
 */
import { closeSync, fsyncSync, openSync, realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { PRIVATE_FILE_MODE } from './private-files.ts';

/** A state file could not be replaced; the old content (if any) is still in place. */
export class AtomicWriteError extends Error {
  override name = 'AtomicWriteError';
  /** The errno code of the step that failed (EISDIR, ENOSPC, EACCES, ...), when there was one. */
  readonly code: string | undefined;

  constructor(
    /** The target file. State-dir paths only: never a URL or anything that could hold a secret. */
    readonly path: string,
    cause: unknown,
  ) {
    const errno = cause as NodeJS.ErrnoException;
    const code = typeof errno?.code === 'string' ? errno.code : undefined;
    const step = typeof errno?.syscall === 'string' ? ` (${errno.syscall})` : '';
    super(`cannot write ${path}: ${code ?? (cause instanceof Error ? cause.message : String(cause))}${step}`, { cause });
    this.code = code;
  }
}

export interface AtomicWriteOptions {
  /**
   * fsync the file and then its directory (default true), so the new content survives a power cut.
   * False for a file that is rewritten every few hundred milliseconds on the event loop and may lag
   * (the outbox cursors: a lagging cursor only re-delivers): still atomic, never torn.
   */
  durable?: boolean;
}

/**
 * Replaces `path` with `data` (mode 0600) atomically and, by default, durably. Throws
 * AtomicWriteError naming `path`; after a throw no temp file is left and the old file is untouched.
 */
export function writeFileAtomicSync(path: string, data: string, options: AtomicWriteOptions = {}): void {
  const durable = options.durable ?? true;
  try {
    writeFileAtomic.sync(path, data, { mode: PRIVATE_FILE_MODE, fsync: durable });
  } catch (error) {
    throw new AtomicWriteError(path, error);
  }
  if (durable) syncDirectorySync(renamedIn(path));
}

/** The async form of writeFileAtomicSync, for callers on the event loop's path (no sync fsync). */
export async function writeFileAtomicAsync(path: string, data: string): Promise<void> {
  try {
    await writeFileAtomic(path, data, { mode: PRIVATE_FILE_MODE, fsync: true });
  } catch (error) {
    throw new AtomicWriteError(path, error);
  }
  await syncDirectory(renamedIn(path));
}

/** The directory the library renamed in: a symlinked target is resolved and its real file replaced. */
function renamedIn(path: string): string {
  try {
    return dirname(realpathSync(path));
  } catch {
    return dirname(path);
  }
}

// fsync of the directory, so the new directory entry (the rename) is on disk too. Best effort: the
// file is already in place, and some filesystems refuse fsync on a directory (EINVAL); failing the
// write for that would only make the caller retry a write that succeeded.
function syncDirectorySync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort, see above
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // best effort, see above
  } finally {
    await handle.close();
  }
}
