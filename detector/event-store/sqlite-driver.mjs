// The SQLite drivers the event store can use, opened by name. Shared by the main thread
// (sqlite.ts, which decides once which driver this process uses) and the checkpoint worker
// (checkpoint-worker.mjs, which opens the driver it is given): one place knows how each driver is
// loaded, so the store's connection and the worker's cannot end up on different drivers. Plain
// JavaScript: the worker thread runs without a TypeScript loader (types: sqlite-driver.d.mts).
import { createRequire } from 'node:module';

/** Every driver name, in the order sqlite.ts prefers them. */
export const SQLITE_DRIVERS = Object.freeze(['node:sqlite', 'better-sqlite3']);

/** The driver's Database class (node:sqlite's DatabaseSync, or better-sqlite3's default export). */
async function databaseClass(driver) {
  if (driver === 'node:sqlite') {
    // Node 20 has no node:sqlite; 22.5–22.12 have it only behind --experimental-sqlite.
    return (await import('node:sqlite')).DatabaseSync;
  }
  // A native addon built for one Node ABI: requiring it works anywhere, opening loads the addon.
  return createRequire(import.meta.url)('better-sqlite3');
}

const firstLine = (error) => (error instanceof Error ? error.message : String(error)).split('\n')[0];

/**
 * Opens (creating) `path` with the named driver, `:memory:` too. Rejects with an error naming the
 * driver when the name is unknown, when the driver does not load on this Node, or when it cannot
 * open the file.
 * @param {string} driver one of SQLITE_DRIVERS
 * @param {string} path
 */
export async function openWithDriver(driver, path) {
  if (!SQLITE_DRIVERS.includes(driver)) {
    throw new TypeError(`unknown SQLite driver ${JSON.stringify(driver)}: expected one of ${SQLITE_DRIVERS.join(', ')}`);
  }
  let Database;
  try {
    Database = await databaseClass(driver);
  } catch (error) {
    throw new Error(`SQLite driver ${driver} does not load on Node ${process.version}: ${firstLine(error)}`, { cause: error });
  }
  try {
    return new Database(path);
  } catch (error) {
    const loadFailed = error?.code === 'ERR_DLOPEN_FAILED';
    const what = loadFailed ? `does not load on Node ${process.version}` : `cannot open ${path}`;
    throw new Error(`SQLite driver ${driver} ${what}: ${firstLine(error)}`, { cause: error });
  }
}
