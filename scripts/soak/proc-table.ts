/**
 * What the soak knows about processes comes from /proc, never from the services' own bookkeeping:
 * a snapshot of every live process (pid, start time, parent, command line) and the per-process
 * readings the growth check needs (RSS, open fds, CPU ticks).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { listProcesses, type ProcStat } from '../../common/proc.ts';

export interface ProcInfo extends ProcStat {
  comm: string;
  cmdline: string;
}

/** Identity of a process across pid reuse: pid and start time. */
export function procKey(proc: { pid: number; startTime: number }): string {
  return `${proc.pid}@${proc.startTime}`;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Every live (non-zombie) process with its command. */
export function snapshotProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const stat of listProcesses()) {
    if (stat.state === 'Z' || stat.state === 'X') continue;
    const comm = readText(`/proc/${stat.pid}/comm`)?.trim();
    const cmdline = readText(`/proc/${stat.pid}/cmdline`)?.replace(/\0/g, ' ').trim();
    if (comm === undefined || cmdline === undefined) continue;
    out.push({ ...stat, comm, cmdline });
  }
  return out;
}

/** Processes below `root` (children, grandchildren, ...) in a snapshot. */
export function descendants(table: readonly ProcInfo[], root: number): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const proc of table) byParent.set(proc.ppid, [...(byParent.get(proc.ppid) ?? []), proc]);
  const out: ProcInfo[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of byParent.get(pid) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** Resident set size in MB, or undefined if the process is gone. */
export function rssMb(pid: number): number | undefined {
  const status = readText(`/proc/${pid}/status`);
  const kb = status ? /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] : undefined;
  return kb === undefined ? undefined : Number(kb) / 1024;
}

/** Number of open file descriptors, or undefined if the process is gone. */
export function fdCount(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in clock ticks (children excluded), or undefined if gone. */
export function cpuTicks(pid: number | 'self'): number | undefined {
  const text = readText(`/proc/${pid}/stat`);
  if (!text) return undefined;
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/** Clock ticks per second (USER_HZ); 100 on every Linux this runs on. */
export const CLOCK_TICKS = 100;
