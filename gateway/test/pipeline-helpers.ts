import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../common/log.ts';
import { groupMembers, isAlive } from '../../common/proc.ts';
import { PipelineManager, type LaunchSpec, type PipelineManagerOptions } from '../pipeline/pipeline-manager.ts';
import type { PipelineCamera } from '../pipeline/pipeline.ts';

/** Test support for the pipeline manager: fixture paths, a manager on a temp state dir, waits. */

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'bin');

export type FixtureName = 'forever' | 'ignore-term' | 'grandchild' | 'exit-now' | 'no-progress' | 'missing';

export function fixture(name: FixtureName): string {
  return join(FIXTURES, name === 'missing' ? 'does-not-exist' : name);
}

export function fixtureSpec(name: FixtureName, extra: Partial<LaunchSpec> = {}): LaunchSpec {
  return { command: fixture(name), args: ['-i', 'rtsp://user:pw@127.0.0.1/x'], quitInput: 'q', ...extra };
}

export function camera(id: string, overrides: Partial<PipelineCamera> = {}): PipelineCamera {
  return { id, mode: 'always', stallTimeoutMs: 1500, startTimeoutMs: 3000, ...overrides };
}

export interface TestManager {
  manager: PipelineManager;
  stateDir: string;
  /** Every pid the manager reported (state events), to check their groups are empty at the end. */
  seenPids: Set<number>;
  /** Shutdown, then remove the state dir. */
  close(): Promise<void>;
}

export function makeManager(options: Partial<PipelineManagerOptions> & Pick<PipelineManagerOptions, 'cameras' | 'launch'>): TestManager {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'lookout-pm-'));
  const manager = new PipelineManager({
    limit: 2,
    stopGraceMs: 400,
    backoff: { initialMs: 50, maxMs: 200, resetAfterMs: 5000 },
    logger: silentLogger(),
    ...options,
    stateDir,
  });
  const seenPids = new Set<number>();
  manager.on('state', (status) => {
    if (status.pid !== undefined) seenPids.add(status.pid);
  });
  return {
    manager,
    stateDir,
    seenPids,
    async close() {
      await manager.stop(5000);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 20 ms until it returns true, or throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Live processes left in the process groups of the given leaders (zombies ignored). */
export function leftoverInGroups(pgids: Iterable<number>): number[] {
  return [...pgids].flatMap((pgid) => groupMembers(pgid));
}

/** Waits until every listed pid is gone (or a zombie). */
export async function waitGone(pids: number[], timeoutMs = 5000): Promise<void> {
  await waitFor(`pids ${pids.join(',')} to exit`, () => pids.every((pid) => !isAlive(pid)), timeoutMs);
}
