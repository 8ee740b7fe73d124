import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { descendants, isAlive } from '../../common/proc.ts';
import type { DemandLease } from '../pipeline/pipeline-manager.ts';
import { camera, fixtureSpec, leftoverInGroups, makeManager, waitFor, type FixtureName } from './pipeline-helpers.ts';

/**
 * Invariant 1 (architecture.md) under random interleavings: whatever happens (starts, pauses,
 * restarts, crashes, hangs, spawn failures, viewers coming and going, commands racing), the slot
 * count never exceeds the limit, never goes negative, equals the live children once settled, and
 * nothing is left running at the end.
 */

const CAMERAS = ['a', 'b', 'c', 'd'] as const;
type Cam = (typeof CAMERAS)[number];
const LIMIT = 2;

type Step =
  | { op: 'pause' | 'resume' | 'restart' | 'crash' | 'hang' | 'demand' | 'undemand'; cam: Cam }
  | { op: 'kind'; cam: Cam; kind: FixtureName }
  | { op: 'race'; cam: Cam; verbs: Array<'pause' | 'resume' | 'restart'> }
  | { op: 'wait'; ms: number };

const cam = fc.constantFrom(...CAMERAS);
const verb = fc.constantFrom('pause' as const, 'resume' as const, 'restart' as const);
const kind = fc.constantFrom<FixtureName>('forever', 'ignore-term', 'grandchild', 'exit-now', 'no-progress', 'missing');
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constantFrom('pause' as const, 'resume' as const, 'restart' as const), cam }),
  fc.record({ op: fc.constantFrom('crash' as const, 'hang' as const), cam }),
  fc.record({ op: fc.constantFrom('demand' as const, 'undemand' as const), cam }),
  fc.record({
    op: fc.constant('kind' as const),
    cam,
    kind,
  }),
  fc.record({ op: fc.constant('race' as const), cam, verbs: fc.array(verb, { minLength: 2, maxLength: 4 }) }),
  fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 50, max: 400 }) }),
);

const EXPECTED_ERRORS = new Set([
  'SlotsExhaustedError',
  'PipelineStartError',
  'StartTimeoutError',
  'CameraPausedError',
  'CommandSupersededError',
]);

function expectedFailure(error: unknown): void {
  const name = error instanceof Error ? error.name : String(error);
  if (!EXPECTED_ERRORS.has(name)) throw error;
}

/** Prints the failing sequence with its error (the runner's TAP output drops fast-check's cause). */
function report(details: fc.RunDetails<[FixtureName[], Step[]]>): void {
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.stack : String(details.errorInstance);
  throw new Error(`property failed (seed ${details.seed}, path ${details.counterexamplePath ?? '?'}):\n${JSON.stringify(details.counterexample)}\n${cause}`);
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone: a crash of a dead child is a no-op.
  }
}

void test('slots stay within [0, limit], match live children, and nothing leaks, over random command sequences', async () => {
  // The tsx loader keeps its own helper process; only what appears after this point is ours.
  const baseline = new Set(descendants(process.pid));
  await fc.assert(
    fc.asyncProperty(fc.array(kind, { minLength: 4, maxLength: 4 }), fc.array(step, { minLength: 1, maxLength: 12 }), async (initial, steps) => {
      // What each camera's launcher runs first; `kind` steps change it for later launches.
      const kinds = new Map<string, FixtureName>(CAMERAS.map((id, index) => [id, initial[index] ?? 'forever']));
      const tm = makeManager({
        limit: LIMIT,
        stopGraceMs: 200,
        backoff: { initialMs: 30, maxMs: 150, resetAfterMs: 2000 },
        cameras: [camera('a'), camera('b'), camera('c', { stallTimeoutMs: 500, startTimeoutMs: 700 }), camera('d', { mode: 'on-demand' })].map(
          (spec) => ({ ...spec, stallTimeoutMs: 500, startTimeoutMs: 700 }),
        ),
        launch: (id) => fixtureSpec(kinds.get(id) ?? 'forever'),
      });
      const { manager } = tm;
      const demand = new Map<string, DemandLease[]>();
      let violation: string | undefined;
      const check = () => {
        const { inUse, limit } = manager.slots();
        if (inUse > limit || inUse < 0) violation ??= `inUse ${inUse} outside [0, ${limit}]`;
      };
      manager.on('state', check);
      const settled = () =>
        waitFor(
          `slots (${manager.slots().inUse}) to equal live children (${manager.liveChildren().join(',')})`,
          () => {
            const live = manager.liveChildren();
            return live.every((pid) => isAlive(pid)) && manager.slots().inUse === live.length;
          },
          4000,
        );
      try {
        await manager.start();
        for (const current of steps) {
          switch (current.op) {
            case 'pause':
            case 'resume':
            case 'restart':
              await manager[current.op](current.cam).catch(expectedFailure);
              break;
            case 'crash':
              signalGroup(manager.status(current.cam).pid, 'SIGKILL');
              break;
            case 'hang':
              signalGroup(manager.status(current.cam).pid, 'SIGSTOP');
              break;
            case 'kind':
              kinds.set(current.cam, current.kind);
              break;
            case 'demand': {
              const lease = await manager.acquireDemand(current.cam).catch((error: unknown) => expectedFailure(error));
              if (lease) demand.set(current.cam, [...(demand.get(current.cam) ?? []), lease]);
              break;
            }
            case 'undemand':
              await demand.get(current.cam)?.shift()?.release();
              break;
            case 'race':
              await Promise.all(current.verbs.map((name) => manager[name](current.cam).catch(expectedFailure)));
              break;
            case 'wait':
              await new Promise((resolve) => setTimeout(resolve, current.ms));
              break;
          }
          check();
          await settled();
          check();
        }
        for (const leases of demand.values()) for (const lease of leases) await lease.release();
        await settled();
      } finally {
        await tm.close();
      }
      assert.equal(violation, undefined, violation);
      assert.equal(manager.slots().inUse, 0);
      assert.deepEqual(manager.liveChildren(), []);
      await waitFor('process groups of every child to be empty', () => leftoverInGroups(tm.seenPids).length === 0, 3000);
      await waitFor('no new descendants of the test process', () => descendants(process.pid).every((pid) => baseline.has(pid)), 3000);
    }),
    { numRuns: Number(process.env.LOOKOUT_PROPERTY_RUNS ?? 20), endOnFailure: true, reporter: report },
  );
});
