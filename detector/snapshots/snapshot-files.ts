/**
 * The snapshot files of the event store: `<dir>/<event id>.jpg` (snapshot) and `<id>.thumb.jpg`
 * (thumbnail), written atomically, files first and the row last; removed row first, then files.
 * Retention keeps the files within `max_files` and `max_bytes` (oldest snapshots go first; the event
 * stays with `has_snapshot: false`) and deletes events older than `max_age` with their files. The
 * startup sweep removes temp files, files without a row, and marks rows whose files are missing.
 * File operations are serialized (one at a time), so retention never races a write of the same id.
 */
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir } from '../../common/private-files.ts';
import type { EventStore, SnapshotMeta } from '../event-store/event-store.ts';
import { removeTempFiles, syncDir, writeFileAtomic } from './atomic-file.ts';
import type { SnapshotMetrics } from './metrics.ts';

/** Event ids as the tracker makes them (detector/track/event-id.ts), bounded: checked before any path is built. */
export const EVENT_ID = /^\d{1,12}\.\d{6}\.[a-z0-9]{6}$/;

export type SnapshotKind = 'snapshot' | 'thumbnail';

export interface RetainSettings {
  maxFiles: number;
  maxBytes: number;
  maxAgeMs: number;
}

function fileName(id: string, kind: SnapshotKind): string {
  if (!EVENT_ID.test(id)) throw new Error('not an event id');
  return kind === 'snapshot' ? `${id}.jpg` : `${id}.thumb.jpg`;
}

export class SnapshotFiles {
  #chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly store: EventStore,
    readonly retain: RetainSettings,
    readonly metrics?: SnapshotMetrics,
  ) {}

  /** Creates the directory and runs the startup sweep; returns what it removed. */
  async init(): Promise<{ temp: number; orphans: number; missing: number }> {
    await ensurePrivateDir(this.dir);
    return this.#serial(async () => {
      const temp = await removeTempFiles(this.dir);
      this.metrics?.removed.inc({ reason: 'temp' }, temp);
      const withRows = this.store.snapshotIds();
      const names = new Set(await readdir(this.dir));
      let orphans = 0;
      for (const name of names) {
        const id = name.replace(/\.(thumb\.)?jpg$/, '');
        if (EVENT_ID.test(id) && withRows.has(id)) continue;
        if (!/\.jpg$/.test(name)) continue;
        await unlink(join(this.dir, name)).catch(() => undefined);
        orphans++;
      }
      this.metrics?.removed.inc({ reason: 'orphan' }, orphans);
      let missing = 0;
      for (const id of withRows) {
        if (names.has(fileName(id, 'snapshot')) && names.has(fileName(id, 'thumbnail'))) continue;
        this.store.clearSnapshot(id);
        await this.#unlinkBoth(id);
        missing++;
      }
      this.#gauges();
      return { temp, orphans, missing };
    });
  }

  /** Writes both files, then records them on the event's row; then applies retention. False: the event is gone. */
  write(id: string, snapshot: Uint8Array, thumbnail: Uint8Array, meta: SnapshotMeta): Promise<boolean> {
    return this.#serial(async () => {
      // Each file is whole when renamed; one directory fsync makes both renames durable before the row.
      await writeFileAtomic(this.dir, fileName(id, 'snapshot'), snapshot, { syncDir: false });
      await writeFileAtomic(this.dir, fileName(id, 'thumbnail'), thumbnail, { syncDir: false });
      await syncDir(this.dir);
      if (!this.store.setSnapshot(id, meta, 2, snapshot.byteLength + thumbnail.byteLength)) {
        await this.#unlinkBoth(id);
        return false;
      }
      await this.#enforce();
      return true;
    });
  }

  /** The file's bytes, or undefined if the event has none (a malformed id is the caller's to refuse first). */
  async read(id: string, kind: SnapshotKind): Promise<Buffer | undefined> {
    try {
      return await readFile(join(this.dir, fileName(id, kind)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Applies retention now (also done after every write). */
  enforce(): Promise<void> {
    return this.#serial(() => this.#enforce());
  }

  /** Waits for queued file operations. */
  idle(): Promise<void> {
    return this.#chain.then(() => undefined);
  }

  async #enforce(): Promise<void> {
    const cutoff = (Date.now() - this.retain.maxAgeMs) / 1000;
    for (;;) {
      const old = this.store.startedBefore(cutoff, 500);
      for (const event of old) {
        this.store.deleteEvent(event.id);
        if (event.hasSnapshot) {
          await this.#unlinkBoth(event.id);
          this.metrics?.removed.inc({ reason: 'max_age' }, 2);
        }
      }
      if (old.length < 500) break;
    }
    let totals = this.store.snapshotTotals();
    while (totals.files > this.retain.maxFiles || totals.bytes > this.retain.maxBytes) {
      const reason = totals.files > this.retain.maxFiles ? 'max_files' : 'max_bytes';
      const [oldest] = this.store.oldestSnapshots(1);
      if (!oldest) break;
      this.store.clearSnapshot(oldest.id);
      await this.#unlinkBoth(oldest.id);
      this.metrics?.removed.inc({ reason }, oldest.files);
      totals = { events: totals.events - 1, files: totals.files - oldest.files, bytes: totals.bytes - oldest.bytes };
    }
    this.#gauges(totals);
  }

  #gauges(totals = this.store.snapshotTotals()): void {
    this.metrics?.files.set(totals.files);
    this.metrics?.bytes.set(totals.bytes);
  }

  async #unlinkBoth(id: string): Promise<void> {
    for (const kind of ['snapshot', 'thumbnail'] as const) await unlink(join(this.dir, fileName(id, kind))).catch(() => undefined);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(work);
    this.#chain = next.catch(() => undefined);
    return next;
  }
}
