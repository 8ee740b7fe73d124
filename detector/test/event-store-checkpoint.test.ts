/**
 * The checkpoint worker opens the database with the driver its store opened it with (decided once,
 * in sqlite.ts) and never falls back to another: with each driver that loads on this Node, the
 * worker reports that driver and a checkpoint lets the WAL file shrink; a driver that does not load
 * here, or an unknown name, ends the worker with an error naming it. Real SQLite throughout. On
 * Node 20 only better-sqlite3 loads, on Node 24 only node:sqlite (the installed better-sqlite3 is
 * built for Node 20's ABI), so each run covers one driver working and the other failing.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deadline } from '../../common/lifecycle/deadline.ts';
import { sleep } from '../../common/lifecycle/sleep.ts';
import { Checkpointer } from '../event-store/checkpointer.ts';
import { EventStore, WAL_SIZE_LIMIT_BYTES } from '../event-store/event-store.ts';
import { openSqlite, preferredDriver, SQLITE_DRIVERS, type SqliteDriver } from '../event-store/sqlite.ts';
import { tempDir } from './clips.ts';

/** Whether `driver` opens a database on this Node (the real driver, not a guess from the version). */
async function loads(driver: SqliteDriver): Promise<boolean> {
  try {
    (await openSqlite(':memory:', driver)).close();
    return true;
  } catch {
    return false;
  }
}

const available = new Map<SqliteDriver, boolean>();
for (const driver of SQLITE_DRIVERS) available.set(driver, await loads(driver));

const walSize = (path: string) => statSync(`${path}-wal`).size;

/** Starts a checkpoint worker on `path` and waits (bounded) for the failure it must report. */
async function workerFailure(path: string, driver: SqliteDriver): Promise<{ message: string; stats: Checkpointer['stats'] }> {
  let report!: (message: string) => void;
  const failed = new Promise<string>((resolve) => (report = resolve));
  const checkpointer = new Checkpointer(path, driver, 60_000, (message) => report(message));
  try {
    return { message: await deadline(failed, 20_000, 'checkpoint worker failure'), stats: checkpointer.stats };
  } finally {
    await checkpointer.close();
  }
}

void test('at least one driver loads, and the store prefers node:sqlite where it does', async () => {
  assert.ok([...available.values()].some(Boolean), `no SQLite driver loads on Node ${process.version}`);
  assert.equal(await preferredDriver(), available.get('node:sqlite') ? 'node:sqlite' : 'better-sqlite3');
  const store = await EventStore.open(':memory:');
  try {
    assert.equal(store.driver, await preferredDriver());
  } finally {
    await store.close();
  }
});

for (const driver of SQLITE_DRIVERS) {
  void test(`${driver}: the checkpoint worker opens the store's driver, and after a checkpoint the WAL shrinks`, { skip: available.get(driver) ? false : `${driver} does not load on Node ${process.version}` }, async () => {
    const dir = tempDir('lookout-ckpt-driver-');
    const path = join(dir.path, 'events.db');
    // The timer cannot fire while the loop below runs (it is synchronous): the WAL grows unchecked.
    const store = await EventStore.open(path, { driver, checkpointIntervalMs: 100 });
    try {
      assert.equal(store.driver, driver);
      const event = (n: number) => ({ id: `${(1_764_596_400 + n).toFixed(6)}.s${String(n).padStart(5, '0')}`, camera: 'yard', label: 'car', score: 0.5, firstSeen: (1_764_596_400 + n) * 1000, enteredZones: ['drive'] });
      let n = 0;
      while (walSize(path) <= 2 * WAL_SIZE_LIMIT_BYTES) store.upsert(event(n++));
      const grown = walSize(path);
      const stats = store.checkpoints!;
      for (const until = Date.now() + 20_000; !(stats.runs > 0 && stats.lastLog > 0 && stats.lastCheckpointed === stats.lastLog) && Date.now() < until; ) {
        await sleep(50);
      }
      assert.equal(stats.driver, driver, 'the worker reports the driver it was given');
      assert.ok(stats.runs > 0 && stats.lastLog > 0, `checkpoint runs: ${JSON.stringify(stats)}`);
      assert.equal(stats.lastCheckpointed, stats.lastLog, 'every WAL frame copied');
      assert.equal(stats.errors, 0);
      // The next write starts the WAL over and cuts it down to the limit.
      store.upsert(event(n++));
      const after = walSize(path);
      assert.ok(after <= WAL_SIZE_LIMIT_BYTES && after < grown, `WAL ${grown} bytes before the checkpoint, ${after} after (limit ${WAL_SIZE_LIMIT_BYTES})`);
      assert.equal(store.count(), n);
    } finally {
      await store.close();
      dir.dispose();
    }
  });

  void test(`${driver} where it does not load: the worker fails naming it instead of using another driver`, { skip: available.get(driver) ? `${driver} loads on Node ${process.version}` : false }, async () => {
    const dir = tempDir('lookout-ckpt-noload-');
    const path = join(dir.path, 'events.db');
    try {
      // The database exists (opened with the driver that does load), so only the driver can fail.
      await (await EventStore.open(path, { checkpointIntervalMs: 0 })).close();
      const { message, stats } = await workerFailure(path, driver);
      assert.match(message, new RegExp(`SQLite driver ${driver} does not load on Node ${process.version.replace(/\./g, '\\.')}`));
      assert.equal(stats.driver, undefined, 'never ready');
      await assert.rejects(EventStore.open(path, { driver }), new RegExp(`SQLite driver ${driver} does not load`));
    } finally {
      dir.dispose();
    }
  });
}

void test('an unknown driver name is rejected, by the worker and by the main thread, with an error naming it', async () => {
  const dir = tempDir('lookout-ckpt-unknown-');
  const path = join(dir.path, 'events.db');
  try {
    await (await EventStore.open(path, { checkpointIntervalMs: 0 })).close();
    const unknown = String('sqlite4') as SqliteDriver;
    const { message } = await workerFailure(path, unknown);
    assert.equal(message, 'unknown SQLite driver "sqlite4": expected one of node:sqlite, better-sqlite3');
    await assert.rejects(openSqlite(path, unknown), { name: 'TypeError', message: 'unknown SQLite driver "sqlite4": expected one of node:sqlite, better-sqlite3' });
  } finally {
    dir.dispose();
  }
});
