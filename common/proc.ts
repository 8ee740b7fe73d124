import { readdirSync, readFileSync } from 'node:fs';

/**
 * Small, synchronous readers of Linux /proc, so counters and leak checks come from the kernel's
 * view of real processes rather than from our own bookkeeping. Every reader tolerates a process
 * that vanishes mid-read (returns undefined / skips it).
 */

export interface ProcStat {
  pid: number;
  /** One-letter state: R, S, D, Z (zombie), T (stopped), X (dead)... */
  state: string;
  ppid: number;
  /** Process group id. */
  pgrp: number;
  /** Start time in clock ticks since boot (field 22): with the pid, identifies a process uniquely. */
  startTime: number;
}

/** Parses /proc/<pid>/stat; the command name may contain spaces and parentheses, so split after the last ')'. */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields after the command: index 0 is field 3 (state), so field N is at index N - 3.
  const rest = text.slice(close + 2).split(' ');
  const state = rest[0];
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (state === undefined || !Number.isFinite(ppid) || !Number.isFinite(pgrp) || !Number.isFinite(startTime)) return undefined;
  return { pid, state, ppid, pgrp, startTime };
}

/** Start time (clock ticks since boot) of a process, or undefined if it does not exist. */
export function readStartTime(pid: number): number | undefined {
  return readStat(pid)?.startTime;
}

/** True if the process exists and is not a zombie (exited but not yet reaped) or dead. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** Every process currently in /proc (zombies included; filter with `state`). */
export function listProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) out.push(stat);
  }
  return out;
}

/** Live (non-zombie) direct children of `ppid`. */
export function listChildren(ppid: number): number[] {
  return listProcesses()
    .filter((stat) => stat.ppid === ppid && stat.state !== 'Z' && stat.state !== 'X')
    .map((stat) => stat.pid);
}

/** Live (non-zombie) descendants of `pid`, at any depth. */
export function descendants(pid: number): number[] {
  const all = listProcesses();
  const byParent = new Map<number, ProcStat[]>();
  for (const stat of all) {
    const siblings = byParent.get(stat.ppid) ?? [];
    siblings.push(stat);
    byParent.set(stat.ppid, siblings);
  }
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const parent = stack.pop() as number;
    for (const child of byParent.get(parent) ?? []) {
      stack.push(child.pid);
      if (child.state !== 'Z' && child.state !== 'X') out.push(child.pid);
    }
  }
  return out;
}

/** Live (non-zombie) members of a process group: what a group signal would reach. */
export function groupMembers(pgid: number): number[] {
  return listProcesses()
    .filter((stat) => stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X')
    .map((stat) => stat.pid);
}

/** Open file descriptors of a process (default: this one), for leak checks and metrics. */
export function openFdCount(pid: number = process.pid): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Resident set size in bytes (VmRSS) of a process (default: this one). */
export function processRssBytes(pid: number = process.pid): number {
  if (pid === process.pid) return process.memoryUsage.rss();
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
