/**
 * Signals and waits on a whole process group (a supervised child leads its own group, so ffmpeg's
 * or a shell's descendants go with it). Kept apart from the child's lifecycle so the "is anything
 * of it left" question has one answer: /proc, not the leader's exit.
 */
import type { ChildProcess } from 'node:child_process';
import { sleep } from '../lifecycle/sleep.ts';
import { groupMembers } from '../proc.ts';

/** Sends `signal` to the process group led by `pid`, or to `pid` alone when it leads none. False if nothing was there. */
export function signalPidGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false; // it ended between the check and the signal
    }
  }
}

/** Sends `signal` to the group led by `child`; the leader alone when the group is gone. False if nothing was there. */
export function signalGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): boolean {
  const pid = child?.pid;
  if (pid === undefined) return false;
  if (signalPidGroup(pid, signal)) return true;
  try {
    child?.kill(signal);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs the group until no member is left (not even a zombie), or `maxMs` passed. */
export async function waitGroupGone(pgid: number | undefined, maxMs: number): Promise<void> {
  if (pgid === undefined) return;
  const deadline = Date.now() + maxMs;
  for (;;) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      return; // ESRCH: no process (not even a zombie) left in the group
    }
    if (groupMembers(pgid).length === 0 || Date.now() >= deadline) return;
    // A referenced timer: whoever awaits `exited` must not see the event loop run dry.
    await sleep(5);
  }
}
