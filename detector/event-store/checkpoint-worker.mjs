// The event store's WAL checkpoints, on a thread of their own: a checkpoint copies the WAL into the
// database file and fsyncs both, which can take tens of milliseconds on a busy disk; on the main
// thread that would stall the event loop. The main connection runs with wal_autocheckpoint = 0 and
// this worker's own connection checkpoints (PASSIVE: never waits for readers or writers) when asked.
// It opens the database with the driver the store opened it with (`workerData.driver`, decided once
// in sqlite.ts) and never picks one itself; an unknown driver, or one that does not load here, ends
// the worker with an error naming it. Its first message is `{ type: 'ready', driver }`.
// Plain JavaScript: worker threads do not inherit the tsx loader.
import { parentPort, workerData } from 'node:worker_threads';
import { openWithDriver } from './sqlite-driver.mjs';

const { path, driver } = workerData;
const db = await openWithDriver(driver, path);
db.exec('PRAGMA busy_timeout = 5000');
parentPort.on('message', (message) => {
  if (message === 'checkpoint') {
    try {
      const row = db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
      parentPort.postMessage({ type: 'checkpointed', log: Number(row.log), checkpointed: Number(row.checkpointed) });
    } catch (error) {
      parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  } else if (message === 'close') {
    db.close();
    parentPort.close();
  }
});
parentPort.postMessage({ type: 'ready', driver });
