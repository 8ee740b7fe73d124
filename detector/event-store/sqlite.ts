/**
 * The few SQLite calls the event store needs, over whichever driver this Node has: the built-in
 * `node:sqlite` where it loads without a flag (Node ≥ 22.13, 24), else `better-sqlite3` (a native
 * addon built for one Node ABI, so it is tried only when `node:sqlite` is absent: a Node 20 build
 * would not load on 24). The choice is made here, once per process; the checkpoint worker is handed
 * the driver its store opened (`SqlDatabase.driver`) rather than choosing again. How each driver is
 * opened lives in sqlite-driver.mjs, shared with that worker. Parameters are positional; values are
 * numbers, strings or null.
 */
import { openWithDriver, type SqliteDriver } from './sqlite-driver.mjs';

export { SQLITE_DRIVERS, type SqliteDriver } from './sqlite-driver.mjs';

export type SqlValue = number | string | null;
export type SqlRow = Record<string, SqlValue>;

export interface SqlStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
}

export interface SqlDatabase {
  readonly driver: SqliteDriver;
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

let preferred: Promise<SqliteDriver> | undefined;

/** node:sqlite if it opens a database on this Node, else better-sqlite3 (decided once). */
export function preferredDriver(): Promise<SqliteDriver> {
  preferred ??= openWithDriver('node:sqlite', ':memory:').then<SqliteDriver, SqliteDriver>(
    (probe) => {
      probe.close();
      return 'node:sqlite';
    },
    () => 'better-sqlite3',
  );
  return preferred;
}

/** Opens (creating) a database file, `:memory:` too, with `driver` (default: preferredDriver()). */
export async function openSqlite(path: string, driver?: SqliteDriver): Promise<SqlDatabase> {
  const chosen = driver ?? (await preferredDriver());
  const db = await openWithDriver(chosen, path);
  return {
    driver: chosen,
    exec: (sql) => void db.exec(sql),
    prepare: (sql) => db.prepare(sql) as SqlStatement,
    close: () => db.close(),
  };
}
