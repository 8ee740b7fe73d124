// whileRecorded (common/child/recorded-run.ts): a registry that cannot be written (state dir full or
// read-only) never takes the place of the child's own result, and the child is always awaited.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { whileRecorded, type ChildRecorder } from '../child/recorded-run.ts';

const broken: ChildRecorder = {
  add: () => {
    throw new Error('cannot write registry: ENOSPC');
  },
  remove: () => {
    throw new Error('cannot write registry: ENOSPC');
  },
};

void test("a failing registry write leaves the child's result and its rejection to the caller", async () => {
  const ok = await whileRecorded(execa('sh', ['-c', 'echo probed'], { detached: true }), broken, 'probe');
  assert.equal(ok.stdout, 'probed');
  await assert.rejects(whileRecorded(execa('sh', ['-c', 'exit 3'], { detached: true }), broken, 'probe'), (error: Error & { exitCode?: number }) => error.exitCode === 3);
});

void test('a working registry sees the pid added and removed', async () => {
  const seen: string[] = [];
  const recorder: ChildRecorder = { add: (pid, owner) => seen.push(`add ${pid} ${owner}`), remove: (pid) => void seen.push(`remove ${pid}`) };
  const child = execa('sh', ['-c', 'true'], { detached: true });
  await whileRecorded(child, recorder, 'probe');
  assert.deepEqual(seen, [`add ${child.pid} probe`, `remove ${child.pid}`]);
});
