/** What a test process holds right now: live children, open fds, active handles, listeners. */
import { readdirSync, readFileSync } from 'node:fs';

/** Live (non-zombie) child processes of this process, except tsx's esbuild service. */
export function liveChildren(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z' && !stat.includes('(esbuild)')) out.push(`${pid}:${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}:${fields[0]}`);
    } catch {
      // gone
    }
  }
  return out;
}

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Counts of active resources by type (Timeout, TCPWRAP, PipeWrap, ProcessWrap...). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

export function processListeners(): number {
  return ['SIGINT', 'SIGTERM', 'exit', 'uncaughtException', 'unhandledRejection'].reduce((sum, name) => sum + process.listenerCount(name), 0);
}
