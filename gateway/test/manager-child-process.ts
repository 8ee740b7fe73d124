/**
 * Test helper run as a separate node process: a pipeline manager with two cameras on the state
 * dir given as argv[2]. Prints "ready <pid> <pid>" once both publish, then runs until killed
 * (the orphan test SIGKILLs it, which no cleanup code can intercept).
 */
import { camera, fixtureSpec, makeManager, waitFor } from './pipeline-helpers.ts';

const stateDir = process.argv[2];
if (!stateDir) throw new Error('usage: manager-child-process.ts <stateDir>');
// Children that confirm publishing once and then never touch their progress pipe again, so the
// death of this process (closing the pipe's read end) cannot end them by SIGPIPE: true orphans.
const { manager } = makeManager({
  stateDir,
  limit: 2,
  cameras: [camera('a', { stallTimeoutMs: 60_000 }), camera('b', { stallTimeoutMs: 60_000 })],
  launch: () => fixtureSpec('no-progress', { env: { ...process.env, PROGRESS_BLOCKS: '1' } }),
});
await manager.start();
await waitFor('both running', () => manager.status().every((status) => status.state === 'running'), 20_000);
process.stdout.write(`ready ${manager.liveChildren().join(' ')}\n`);
setInterval(() => undefined, 60_000);
