/**
 * The detector's event store: one SQLite database in the state directory (WAL mode) with every
 * event, the zones it entered (a table of its own, indexed for the `zone` filter) and its snapshot's
 * metadata. The tracker's camelCase event is stored in Frigate's snake_case shape; fields this store
 * does not know are kept in a JSON column and returned as they came (in snake_case).
 *
 * Durability: every write is its own transaction. With WAL and `synchronous=NORMAL` a committed
 * transaction is in the WAL file before the call returns, so it survives the process being killed
 * (SIGKILL, OOM); only an OS crash or power loss can drop the last transactions. WAL checkpoints
 * (which fsync) run on a worker thread, not on the event loop (checkpointer.ts), with the same SQLite
 * driver as this connection. After a complete checkpoint the next write starts the WAL over and
 * cuts the file down to WAL_SIZE_LIMIT_BYTES, so a burst of writes does not leave a large WAL behind.
 */
import { dirname } from 'node:path';
import { ensurePrivateDirSync, ensurePrivateFileSync } from '../../common/private-files.ts';
import { Checkpointer } from './checkpointer.ts';
import { json, KNOWN, SCHEMA, seconds, snake, toEvent, type EventInput, type SnapshotMeta, type StoredEvent } from './event-row.ts';
import { openSqlite, type SqlDatabase, type SqliteDriver, type SqlValue } from './sqlite.ts';

export type { Box4, EventInput, SnapshotMeta, StoredEvent } from './event-row.ts';

export interface EventFilter {
  camera?: string;
  label?: string;
  /** Matches `entered_zones`. */
  zone?: string;
  /** Seconds since the epoch (start_time > after, start_time < before). */
  after?: number;
  before?: number;
  hasSnapshot?: boolean;
  limit: number;
}

/** What a WAL file is cut down to when it starts over after a complete checkpoint (PRAGMA journal_size_limit). */
export const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

export interface EventStoreOptions {
  /** WAL checkpoints on a worker thread this often (file databases); 0: SQLite's automatic ones on the calling thread. */
  checkpointIntervalMs?: number;
  /** The SQLite driver (default: node:sqlite where it loads, else better-sqlite3; sqlite.ts). */
  driver?: SqliteDriver;
}

export class EventStore {
  readonly #db: SqlDatabase;
  #checkpointer: Checkpointer | undefined;
  readonly #upsert;
  readonly #zone;

  private constructor(db: SqlDatabase) {
    this.#db = db;
    this.#upsert = db.prepare(`INSERT INTO events (id, camera, label, score, top_score, box, area, region, current_zones, entered_zones, stationary, start_time, end_time, false_positive, extra)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET score = excluded.score, top_score = max(events.top_score, excluded.top_score), box = excluded.box, area = excluded.area,
        region = excluded.region, current_zones = excluded.current_zones, entered_zones = excluded.entered_zones, stationary = excluded.stationary,
        end_time = excluded.end_time, false_positive = excluded.false_positive, extra = excluded.extra`);
    this.#zone = db.prepare('INSERT OR IGNORE INTO event_zones (event_id, zone) VALUES (?, ?)');
  }

  /** Opens or creates the database at `path` (`:memory:` for none). */
  static async open(path: string, options: EventStoreOptions = {}): Promise<EventStore> {
    if (path !== ':memory:') {
      // Events are private: directory 0700, database 0600 before SQLite opens it (its -wal and -shm
      // files take the database file's permissions), whatever the umask.
      ensurePrivateDirSync(dirname(path));
      ensurePrivateFileSync(path);
    }
    const db = await openSqlite(path, options.driver);
    try {
      // busy_timeout first: another process may hold the database (a second detector on the same state_dir).
      db.exec(`PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES};`);
      db.exec(SCHEMA);
    } catch (error) {
      db.close();
      throw error;
    }
    const store = new EventStore(db);
    const interval = options.checkpointIntervalMs ?? 2000;
    if (path !== ':memory:' && interval > 0) {
      db.exec('PRAGMA wal_autocheckpoint = 0');
      store.#checkpointer = new Checkpointer(path, db.driver, interval, (message) => {
        // SQLite checkpoints on this thread again; say why once (to stderr: the journal keeps it).
        db.exec('PRAGMA wal_autocheckpoint = 1000');
        process.emitWarning(`event store checkpoints moved to the main thread: ${message}`, { code: 'LOOKOUT_EVENT_STORE_CHECKPOINT' });
      });
    }
    return store;
  }

  /** Checkpoint runs on the worker thread (undefined without one). */
  get checkpoints(): Checkpointer['stats'] | undefined {
    return this.#checkpointer?.stats;
  }

  get driver(): SqlDatabase['driver'] {
    return this.#db.driver;
  }

  /** Inserts or updates an event and its entered zones (one transaction). */
  upsert(event: EventInput): void {
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(event as object)) if (!KNOWN.has(key) && value !== undefined) extra[snake(key)] = value;
    this.#transaction(() => {
      this.#upsert.run(
        event.id,
        event.camera,
        event.label,
        event.score,
        event.topScore ?? event.score,
        json(event.box),
        event.area ?? null,
        json(event.region),
        JSON.stringify(event.currentZones ?? []),
        JSON.stringify(event.enteredZones ?? []),
        event.stationary ? 1 : 0,
        seconds(event.firstSeen),
        event.endTime === undefined || event.endTime === null ? null : seconds(event.endTime),
        event.falsePositive ? 1 : 0,
        JSON.stringify(extra),
      );
      for (const zone of event.enteredZones ?? []) this.#zone.run(event.id, zone);
    });
  }

  /** Records a snapshot whose files are already on disk (files first, row last). False: no such event. */
  setSnapshot(id: string, meta: SnapshotMeta, files: number, bytes: number): boolean {
    const result = this.#db.prepare('UPDATE events SET has_snapshot = 1, snapshot = ?, snapshot_files = ?, snapshot_bytes = ? WHERE id = ?').run(JSON.stringify(meta), files, bytes, id);
    return Number(result.changes) > 0;
  }

  /** Marks an event as having no snapshot (before its files are deleted). */
  clearSnapshot(id: string): void {
    this.#db.prepare('UPDATE events SET has_snapshot = 0, snapshot = NULL, snapshot_files = 0, snapshot_bytes = 0 WHERE id = ?').run(id);
  }

  deleteEvent(id: string): void {
    this.#db.prepare('DELETE FROM events WHERE id = ?').run(id);
  }

  get(id: string): StoredEvent | undefined {
    const row = this.#db.prepare('SELECT * FROM events WHERE id = ?').get(id);
    return row ? toEvent(row) : undefined;
  }

  /** Newest first. */
  query(filter: EventFilter): StoredEvent[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (clause: string, value: SqlValue) => {
      where.push(clause);
      params.push(value);
    };
    if (filter.camera !== undefined) add('camera = ?', filter.camera);
    if (filter.label !== undefined) add('label = ?', filter.label);
    if (filter.zone !== undefined) add('id IN (SELECT event_id FROM event_zones WHERE zone = ?)', filter.zone);
    if (filter.after !== undefined) add('start_time > ?', filter.after);
    if (filter.before !== undefined) add('start_time < ?', filter.before);
    if (filter.hasSnapshot !== undefined) add('has_snapshot = ?', filter.hasSnapshot ? 1 : 0);
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_time DESC, id DESC LIMIT ?`;
    return this.#db
      .prepare(sql)
      .all(...params, filter.limit)
      .map(toEvent);
  }

  /** Snapshot files and bytes on record. */
  snapshotTotals(): { events: number; files: number; bytes: number } {
    const row = this.#db.prepare('SELECT count(*) AS events, coalesce(sum(snapshot_files), 0) AS files, coalesce(sum(snapshot_bytes), 0) AS bytes FROM events WHERE has_snapshot = 1').get();
    return { events: Number(row?.events ?? 0), files: Number(row?.files ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  /** Events with a snapshot, oldest first. */
  oldestSnapshots(limit: number): Array<{ id: string; files: number; bytes: number }> {
    return this.#db
      .prepare('SELECT id, snapshot_files AS files, snapshot_bytes AS bytes FROM events WHERE has_snapshot = 1 ORDER BY start_time ASC LIMIT ?')
      .all(limit)
      .map((row) => ({ id: String(row.id), files: Number(row.files), bytes: Number(row.bytes) }));
  }

  /** Ids of events that started before `seconds` (oldest first). */
  startedBefore(time: number, limit: number): Array<{ id: string; hasSnapshot: boolean }> {
    return this.#db
      .prepare('SELECT id, has_snapshot FROM events WHERE start_time < ? ORDER BY start_time ASC LIMIT ?')
      .all(time, limit)
      .map((row) => ({ id: String(row.id), hasSnapshot: row.has_snapshot === 1 }));
  }

  /** Ids of every event that has a snapshot on record (startup sweep). */
  snapshotIds(): Set<string> {
    return new Set(this.#db.prepare('SELECT id FROM events WHERE has_snapshot = 1').all().map((row) => String(row.id)));
  }

  count(): number {
    return Number(this.#db.prepare('SELECT count(*) AS n FROM events').get()?.n ?? 0);
  }

  /** Closes the database, then ends the checkpoint worker (terminated after 2 s at most). */
  async close(): Promise<void> {
    this.#db.close();
    await this.#checkpointer?.close();
  }

  #transaction(work: () => void): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}
