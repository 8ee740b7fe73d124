/**
 * Per-sink delivery cursors of the outbox (`cursor-<sink>.json`, the highest acknowledged seq),
 * written atomically (tmp + rename) so a crash leaves either the old or the new cursor. A cursor
 * that lags only causes re-delivery (at least once), never loss.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

export function saveCursor(dir: string, sink: string, acked: number): void {
  const path = cursorPath(dir, sink);
  writeFileSync(`${path}.tmp`, JSON.stringify({ acked }), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
