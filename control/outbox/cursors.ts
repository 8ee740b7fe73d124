/**
 * Per-sink delivery cursors of the outbox (`cursor-<sink>.json`, the highest acknowledged seq),
 * written atomically and fsynced (common/atomic-file.ts: a temp name unique per write, removed when
 * the write fails) so a crash or power cut leaves either the old or the new cursor. A cursor
 * that lags only causes re-delivery (at least once), never loss. At open, a sink's cursor says
 * where its replay of the recovered disk log starts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../../common/atomic-file.ts';
import type { Logger } from '../../common/log.ts';

/** A sink's position as the outbox tracks it: acknowledged, and last written to its cursor file. */
export interface SinkCursor {
  readonly name: string;
  acked: number;
  savedAcked: number;
}

export function cursorPath(dir: string, sink: string): string {
  return join(dir, `cursor-${sink}.json`);
}

/** The saved cursor, or undefined when there is none (or it is unreadable). */
export function loadCursor(dir: string, sink: string): number | undefined {
  try {
    const raw = JSON.parse(readFileSync(cursorPath(dir, sink), 'utf8')) as { acked?: unknown };
    return typeof raw.acked === 'number' && raw.acked >= 0 ? raw.acked : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Replaces the sink's cursor file (0600), atomically but without fsync: it is saved every 500 ms on
 * the event loop, and a cursor that lags after a power cut only re-delivers (at least once).
 * Throws AtomicWriteError naming the file.
 */
export function saveCursor(dir: string, sink: string, acked: number): void {
  writeFileAtomicSync(cursorPath(dir, sink), JSON.stringify({ acked }), { durable: false });
}

/**
 * Where a sink's replay starts at open: its saved cursor (never past the log's last seq), or, for a
 * sink with no cursor yet, just before the first item on disk, so it gets everything the log holds.
 */
export function resumeCursor(dir: string, sink: string, firstOnDisk: number | undefined, lastSeq: number): number {
  const saved = loadCursor(dir, sink);
  if (saved !== undefined) return Math.min(saved, lastSeq);
  return firstOnDisk === undefined ? lastSeq : firstOnDisk - 1;
}

/** Writes the cursors that moved since the last save; true if any was written. A failure is logged, retried next time. */
export function saveChangedCursors(dir: string, sinks: Iterable<SinkCursor>, logger: Logger): boolean {
  let changed = false;
  for (const sink of sinks) {
    if (sink.acked === sink.savedAcked) continue;
    try {
      saveCursor(dir, sink.name, sink.acked);
      sink.savedAcked = sink.acked;
      changed = true;
    } catch (error) {
      logger.warn({ err: (error as Error).message, sink: sink.name }, 'outbox: cannot save cursor');
    }
  }
  return changed;
}
