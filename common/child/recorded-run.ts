/**
 * A short-lived child (a probe) recorded in an orphan registry for as long as it runs, so that a
 * supervisor SIGKILLed meanwhile leaves nothing behind: the next start sweeps the record (pid +
 * start time), like the long-lived children's. The child must lead its own process group
 * (`detached: true`), which is what the sweep signals.
 */
export interface ChildRecorder {
  add(pid: number, owner: string): unknown;
  remove(pid: number): void;
}

/** Awaits `child` with its pid recorded under `owner` while it runs. */
export async function whileRecorded<T>(child: Promise<T> & { pid?: number | undefined }, recorder: ChildRecorder | undefined, owner: string): Promise<T> {
  const pid = child.pid;
  if (pid !== undefined) recorder?.add(pid, owner);
  try {
    return await child;
  } finally {
    if (pid !== undefined) recorder?.remove(pid);
  }
}
