import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '../lifecycle/sleep.ts';
import { descendants, groupMembers, isAlive, readStartTime } from '../proc.ts';
import { writeFileAtomicSync } from '../atomic-file.ts';
import type { Logger } from '../log.ts';
import { ensurePrivateDirSync } from '../private-files.ts';
import { signalPidGroup } from './process-group.ts';

/**
 * Children outlive a gateway that is SIGKILLed (nothing runs on SIGKILL, and execa-style cleanup
 * never covers detached children). So every live child is recorded in `<stateDir>/children.json`
 * with its pid and kernel start time; the next start ends the process group of each record whose
 * start time still matches (a reused pid has a different start time and is left alone).
 *
 * Every supervisor keeps one: the pipeline manager (`children.json`: the publish ffmpegs), the
 * detector (`detector-children.json`: its decoder ffmpegs) and `lookout up` (`up-children.json`:
 * the detector child). A record's own descendants in other process groups are ended with it.
 */

export interface ChildRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat at spawn time. */
  startTime: number;
  /** Camera id, for logs. Never the command line (it may hold credentials). */
  owner: string;
}

/** The process that wrote the file, so a second instance on the same state dir is caught. */
export interface RegistryOwner {
  pid: number;
  startTime: number;
  /** What the owner is (`gateway`, `detector`, `lookout up`), for the refusal message. */
  role?: string;
}

interface RegistryFile {
  owner?: RegistryOwner;
  children: ChildRecord[];
}

/** Another live instance (gateway, detector, lookout up) owns this registry (its children must not be killed). */
export class StateDirInUseError extends Error {
  override name = 'StateDirInUseError';
  readonly code = 'conflict';
  constructor(
    readonly stateDir: string,
    readonly ownerPid: number,
    /** The owner's recorded role; files from before roles were recorded were the gateway's. */
    readonly what = 'gateway',
  ) {
    super(`state dir "${stateDir}" is in use by another running ${what} (pid ${ownerPid}); give each instance its own state_dir`);
  }
}

export const CHILDREN_FILE = 'children.json';

/** The detector's registry of its decoder children (swept by the next detector and by `lookout up` when its detector dies). */
export const DETECTOR_CHILDREN_FILE = 'detector-children.json';

/**
 * The on-disk list of live children. Writes are synchronous (a record is on disk before the code
 * that spawned the child goes on, and add/remove are called where nothing can be awaited) and atomic
 * and fsynced (common/atomic-file.ts): a power cut leaves the old or the new list, never an empty
 * one. A failed write throws AtomicWriteError naming the file and leaves no temp file.
 */
export class ChildRegistry {
  readonly path: string;
  readonly #records = new Map<number, ChildRecord>();

  constructor(
    readonly stateDir: string,
    readonly file: string = CHILDREN_FILE,
    /** Written into the file as the owner's role (see RegistryOwner). */
    readonly role: string = 'gateway',
  ) {
    this.path = join(stateDir, file);
  }

  /** Records a freshly spawned child; returns false if it was already gone (no start time). */
  add(pid: number, owner: string): boolean {
    const startTime = readStartTime(pid);
    if (startTime === undefined) return false;
    this.#records.set(pid, { pid, startTime, owner });
    this.#write();
    return true;
  }

  /** Forgets a child whose exit was observed. */
  remove(pid: number): void {
    if (this.#records.delete(pid)) this.#write();
  }

  records(): ChildRecord[] {
    return [...this.#records.values()];
  }

  #write(): void {
    ensurePrivateDirSync(this.stateDir);
    const ownerStart = readStartTime(process.pid);
    const body: RegistryFile = {
      ...(ownerStart !== undefined ? { owner: { pid: process.pid, startTime: ownerStart, role: this.role } } : {}),
      children: this.records(),
    };
    writeFileAtomicSync(this.path, `${JSON.stringify(body)}\n`);
  }
}

/** Reads the children file; a missing or corrupt file counts as empty (a corrupt one is logged). */
function readRegistryFile(stateDir: string, logger?: Logger, file = CHILDREN_FILE): RegistryFile {
  const path = join(stateDir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { children: [] };
  }
  try {
    const parsed = JSON.parse(text) as Partial<RegistryFile>;
    const children = (parsed.children ?? []).filter(
      (record): record is ChildRecord =>
        Number.isInteger(record.pid) && record.pid > 1 && Number.isInteger(record.startTime) && typeof record.owner === 'string',
    );
    const owner = parsed.owner;
    const validOwner =
      owner && Number.isInteger(owner.pid) && Number.isInteger(owner.startTime)
        ? { pid: owner.pid, startTime: owner.startTime, ...(typeof owner.role === 'string' ? { role: owner.role.slice(0, 32) } : {}) }
        : undefined;
    return { ...(validOwner ? { owner: validOwner } : {}), children };
  } catch (error) {
    logger?.warn({ path, err: error }, 'ignoring unreadable children file');
    return { children: [] };
  }
}

/** Leftover child records of a previous run. */
export function readChildRecords(stateDir: string, logger?: Logger, file = CHILDREN_FILE): ChildRecord[] {
  return readRegistryFile(stateDir, logger, file).children;
}

export interface OrphanCleanupResult {
  killed: ChildRecord[];
  skipped: ChildRecord[];
}

/**
 * Ends the leftovers of a previous run: SIGKILL to the process group of every record whose start
 * time still matches and to the groups of its descendants, waits (bounded) for all of them to be
 * gone, then removes the file. Throws StateDirInUseError (killing nothing) if the process that
 * wrote the file is still running.
 */
export async function killOrphans(stateDir: string, logger?: Logger, waitMs = 2000, registryFile = CHILDREN_FILE): Promise<OrphanCleanupResult> {
  const result: OrphanCleanupResult = { killed: [], skipped: [] };
  const file = readRegistryFile(stateDir, logger, registryFile);
  const { owner } = file;
  const ended: number[] = [];
  // A killed owner that nobody reaped yet (a zombie: some pid 1s never reap) is not running.
  if (owner && owner.pid !== process.pid && readStartTime(owner.pid) === owner.startTime && isAlive(owner.pid)) {
    throw new StateDirInUseError(stateDir, owner.pid, owner.role);
  }
  for (const record of file.children) {
    if (readStartTime(record.pid) !== record.startTime) {
      result.skipped.push(record);
      continue;
    }
    // Descendants first (read while the record is alive): once it dies they are re-parented.
    for (const pid of [...descendants(record.pid), record.pid]) {
      signalPidGroup(pid, 'SIGKILL');
      ended.push(pid);
    }
    result.killed.push(record);
    logger?.warn({ pid: record.pid, camera: record.owner }, 'killed orphaned child from a previous run');
  }
  const deadline = Date.now() + waitMs;
  while (ended.some((pid) => isAlive(pid) || groupMembers(pid).length > 0) && Date.now() < deadline) {
    await sleep(20);
  }
  rmSync(join(stateDir, registryFile), { force: true });
  return result;
}
