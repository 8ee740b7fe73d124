/**
 * The few SQLite calls the event store needs, over whichever driver this Node has: the built-in
 * `node:sqlite` where it loads without a flag (Node ≥ 22.13, 24), else `better-sqlite3` (a native
 * addon built for one Node ABI, so it is loaded only when `node:sqlite` is absent: a Node 20 build
 * would not load on 24). Parameters are positional; values are numbers, strings or null.
 */
import { createRequire } from 'node:module';

export type SqlValue = number | string | null;
export type SqlRow = Record<string, SqlValue>;

export interface SqlStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
}

export interface SqlDatabase {
  readonly driver: 'node:sqlite' | 'better-sqlite3';
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  close(): void;
}

interface DriverDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqlStatement;
  close(): void;
}

type DriverConstructor = new (path: string) => DriverDatabase;

let cached: { driver: SqlDatabase['driver']; open: DriverConstructor } | undefined;

async function loadDriver(): Promise<{ driver: SqlDatabase['driver']; open: DriverConstructor }> {
  if (cached) return cached;
  try {
    // Node 20 has no node:sqlite; 22.5–22.12 have it only behind --experimental-sqlite.
    // A variable specifier: Node 20's type definitions do not know the module.
    const specifier = 'node:sqlite';
    const builtin = (await import(specifier)) as { DatabaseSync: DriverConstructor };
    cached = { driver: 'node:sqlite', open: builtin.DatabaseSync };
  } catch {
    const require = createRequire(import.meta.url);
    cached = { driver: 'better-sqlite3', open: require('better-sqlite3') as DriverConstructor };
  }
  return cached;
}

/** Opens (creating) a database file; `:memory:` works too. */
export async function openSqlite(path: string): Promise<SqlDatabase> {
  const { driver, open } = await loadDriver();
  const db = new open(path);
  return {
    driver,
    exec: (sql) => void db.exec(sql),
    prepare: (sql) => db.prepare(sql),
    close: () => db.close(),
  };
}
