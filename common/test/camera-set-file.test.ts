// The desired-state set file (common/camera-set-file.ts) on the real filesystem: a change is saved
// 0600 and read back by the next instance; a write that fails is logged naming the file (not
// thrown: the command already succeeded) and leaves no temp file in the state directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pino } from 'pino';
import { CameraSetFile } from '../camera-set-file.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

void test('a change is saved (0600, atomically) and read back by the next instance', () => {
  const dir = tempStateDir('lookout-camset-');
  const first = new CameraSetFile(dir, 'desired-state.json', 'paused');
  first.set('cam2', true);
  first.set('cam1', true);
  first.set('cam2', false);
  const path = join(dir, 'desired-state.json');
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { paused: ['cam1'] });
  assert.equal((statSync(path).mode & 0o777).toString(8), '600');
  assert.deepEqual(new CameraSetFile(dir, 'desired-state.json', 'paused').ids(), ['cam1']);
  assert.deepEqual(readdirSync(dir), ['desired-state.json'], 'no temp file left');
});

void test('a failed write is logged naming the file, not thrown, and leaves no temp file', async () => {
  const dir = tempStateDir('lookout-camset-');
  const path = join(dir, 'desired-detect.json');
  mkdirSync(path); // the rename onto it fails, for root too
  const { logger, lines } = capturingLogger();
  const set = new CameraSetFile(dir, 'desired-detect.json', 'detect_off', logger);
  assert.doesNotThrow(() => set.set('cam1', true));
  assert.equal(set.has('cam1'), true, 'the in-memory state still changed');
  logger.flush();
  await nextTurn();
  const warning = lines.find((line) => line.msg === 'could not save the desired state; it will not survive a restart');
  assert.ok(warning, JSON.stringify(lines));
  assert.equal(warning.path, path);
  assert.ok(String((warning.err as { message?: string }).message).includes(path), JSON.stringify(warning.err));
  assert.deepEqual(readdirSync(dir), ['desired-detect.json'], 'no temp file left');
  assert.deepEqual(readdirSync(path), [], 'the directory in the way is untouched');
});
