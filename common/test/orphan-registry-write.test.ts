// The orphan registry's writes (common/child/orphan-registry.ts) through the one atomic writer: the
// file is 0600 with only itself in the state dir, and a write that fails throws an error naming the
// registry file and leaves no temp file (a stray temp would sit in the state dir forever).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { AtomicWriteError } from '../atomic-file.ts';
import { ChildRegistry, DETECTOR_CHILDREN_FILE, readChildRecords } from '../child/orphan-registry.ts';
import { readStartTime } from '../proc.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';

void test('records are written 0600 and read back, with no temp file beside them', () => {
  const dir = tempStateDir('lookout-registry-');
  const registry = new ChildRegistry(dir, DETECTOR_CHILDREN_FILE, 'detector');
  assert.equal(registry.add(process.pid, 'cam1'), true);
  assert.deepEqual(readChildRecords(dir, undefined, DETECTOR_CHILDREN_FILE), [{ pid: process.pid, startTime: readStartTime(process.pid), owner: 'cam1' }]);
  assert.equal((statSync(registry.path).mode & 0o777).toString(8), '600');
  registry.remove(process.pid);
  assert.deepEqual(readChildRecords(dir, undefined, DETECTOR_CHILDREN_FILE), []);
  assert.deepEqual(readdirSync(dir), [DETECTOR_CHILDREN_FILE]);
});

void test('a failed write throws AtomicWriteError naming the registry file and leaves no temp file', () => {
  const dir = tempStateDir('lookout-registry-');
  const registry = new ChildRegistry(dir);
  mkdirSync(registry.path); // the rename onto it fails, for root too
  assert.throws(
    () => registry.add(process.pid, 'cam1'),
    (error: unknown) => error instanceof AtomicWriteError && error.path === registry.path && error.message.includes(registry.path),
  );
  assert.deepEqual(readdirSync(dir), ['children.json'], 'only the directory in the way, no temp file');
  assert.deepEqual(readdirSync(registry.path), []);
});
