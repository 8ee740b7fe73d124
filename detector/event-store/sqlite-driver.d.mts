/** Types of sqlite-driver.mjs (plain JavaScript: the checkpoint worker runs it without a TypeScript loader). */
export type SqliteDriver = 'node:sqlite' | 'better-sqlite3';

export const SQLITE_DRIVERS: readonly SqliteDriver[];

/** A database handle as both drivers have it (statements are typed by sqlite.ts). */
export interface DriverDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): unknown;
  close(): void;
}

export function openWithDriver(driver: SqliteDriver, path: string): Promise<DriverDatabase>;
