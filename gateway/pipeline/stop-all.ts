/**
 * Gateway shutdown of every pipeline at once, within a bound no matter what: intake stops (no slot
 * is handed out, every command's wait is aborted), every pipeline stops concurrently, and children
 * still alive at 80 % of the bound get SIGKILL so their exits are observed before it ends.
 */
import { settledWithin } from '../../common/lifecycle/deadline.ts';
import type { CommandQueue } from './command-queue.ts';
import type { Pipeline } from './pipeline.ts';
import { ShuttingDownError } from './pipeline-errors.ts';
import type { SlotPool } from './slot-pool.ts';

/** Share of the bound after which children still alive are SIGKILLed. */
const KILL_AT = 0.8;

export interface StopAllOptions {
  pipelines: readonly Pipeline[];
  pool: SlotPool;
  queue: CommandQueue;
  deadlineMs: number;
}

/** Resolves when every pipeline has stopped, or at `deadlineMs` (the caller has already refused new commands). */
export async function stopAllPipelines({ pipelines, pool, queue, deadlineMs }: StopAllOptions): Promise<void> {
  pool.close('gateway is shutting down');
  queue.abortAll(new ShuttingDownError());
  const stopped = Promise.all(pipelines.map((pipeline) => pipeline.shutDown()));
  const killTimer = setTimeout(() => killAllPipelines(pipelines), Math.floor(deadlineMs * KILL_AT));
  try {
    await settledWithin(stopped, deadlineMs);
  } finally {
    clearTimeout(killTimer);
  }
}

/** SIGKILL every pipeline's child process group now (exits are still observed and leases released). */
export function killAllPipelines(pipelines: Iterable<Pipeline>): void {
  for (const pipeline of pipelines) pipeline.kill();
}
