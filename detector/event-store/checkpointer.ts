/**
 * Runs the event store's WAL checkpoints on a worker thread (checkpoint-worker.mjs) every
 * `intervalMs`, so the fsyncs of a checkpoint never stall the event loop. One request at a time (a
 * tick while one is running is skipped). `close()` ends the worker within a deadline (terminated
 * after it). The worker opens the database with the driver the store opened it with (never a
 * choice of its own) and reports it when ready (`stats.driver`). If the worker fails (the driver does
 * not load there, the file cannot be opened), `onFailure` gets its error, which names the driver, and
 * the store turns the main connection's automatic checkpoints back on.
 */
import { Worker } from 'node:worker_threads';
import { settledWithin } from '../../common/lifecycle/deadline.ts';
import { packagePath } from '../../common/package-root.ts';
import type { SqliteDriver } from './sqlite.ts';

export interface CheckpointStats {
  runs: number;
  errors: number;
  /** WAL frames and frames copied into the database at the last run. */
  lastLog: number;
  lastCheckpointed: number;
  /** The driver the worker opened the database with, once it is ready. */
  driver: SqliteDriver | undefined;
  /** Why the worker ended (it names the driver), after which SQLite checkpoints on the main thread. */
  failure: string | undefined;
}

export class Checkpointer {
  readonly stats: CheckpointStats = { runs: 0, errors: 0, lastLog: 0, lastCheckpointed: 0, driver: undefined, failure: undefined };
  readonly #worker: Worker;
  readonly #timer: NodeJS.Timeout;
  #busy = false;
  readonly #exited: Promise<void>;

  constructor(path: string, driver: SqliteDriver, intervalMs: number, onFailure: (message: string) => void) {
    this.#worker = new Worker(packagePath('detector', 'event-store', 'checkpoint-worker.mjs'), { workerData: { path, driver } });
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.on('message', (message: { type: string; driver?: SqliteDriver; log?: number; checkpointed?: number; message?: string }) => {
      if (message.type === 'ready') {
        this.stats.driver = message.driver;
      } else if (message.type === 'checkpointed') {
        this.#busy = false;
        this.stats.runs++;
        this.stats.lastLog = message.log ?? 0;
        this.stats.lastCheckpointed = message.checkpointed ?? 0;
      } else if (message.type === 'error') {
        this.#busy = false;
        this.stats.errors++;
      }
    });
    this.#worker.once('error', (error) => {
      clearInterval(this.#timer);
      this.stats.failure = error.message;
      onFailure(error.message);
    });
    this.#timer = setInterval(() => this.checkpoint(), intervalMs);
    this.#timer.unref();
    // After the listeners are attached (attaching one refs the worker again): the worker never keeps the process alive.
    this.#worker.unref();
  }

  /** Asks for a checkpoint now (skipped while one is running). */
  checkpoint(): void {
    if (this.#busy) return;
    this.#busy = true;
    this.#worker.postMessage('checkpoint');
  }

  async close(deadlineMs = 2000): Promise<void> {
    clearInterval(this.#timer);
    this.#worker.postMessage('close');
    if (!(await settledWithin(this.#exited, deadlineMs))) await this.#worker.terminate();
  }
}
