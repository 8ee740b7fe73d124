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

/**
 * Awaits `child` with its pid recorded under `owner` while it runs. A record that cannot be written
 * (state dir full or read-only) never stands between the caller and the child's own result: the
 * child is still awaited (its rejection handled) and stays bounded by its own timeout.
 */
export async function whileRecorded<T>(child: Promise<T> & { pid?: number | undefined }, recorder: ChildRecorder | undefined, owner: string): Promise<T> {
  const pid = child.pid;
  const quietly = (record: () => unknown): void => {
    try {
      record();
    } catch {
      // see above: the registry is a safety net, not a precondition
    }
  };
  if (pid !== undefined && recorder) quietly(() => recorder.add(pid, owner));
  try {
    return await child;
  } finally {
    if (pid !== undefined && recorder) quietly(() => recorder.remove(pid));
  }
}
