// Outbox cursors (control/outbox/cursors.ts) through the one atomic writer: a cursor written twice
// in quick succession keeps the later value, with a temp name unique per write (the old fixed
// `<cursor>.tmp` was shared by every writer); a failed save throws naming the cursor file, is
// logged and retried by saveChangedCursors, and leaves no temp file in the outbox directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AtomicWriteError } from '../../common/atomic-file.ts';
import { cursorPath, loadCursor, saveChangedCursors, saveCursor, type SinkCursor } from '../outbox/cursors.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';

void test('a cursor saved twice in quick succession keeps the later value, 0600, no temp left', () => {
  const dir = tempStateDir('lookout-cursors-');
  saveCursor(dir, 'mqtt', 7);
  saveCursor(dir, 'mqtt', 8);
  assert.equal(loadCursor(dir, 'mqtt'), 8);
  assert.equal((statSync(cursorPath(dir, 'mqtt')).mode & 0o777).toString(8), '600');
  assert.deepEqual(readdirSync(dir), ['cursor-mqtt.json']);
});

void test('a failed save throws naming the cursor file, is logged and retried, and leaves no temp file', () => {
  const dir = tempStateDir('lookout-cursors-');
  const path = cursorPath(dir, 'nats');
  mkdirSync(path); // the rename onto it fails, for root too
  assert.throws(
    () => saveCursor(dir, 'nats', 3),
    (error: unknown) => error instanceof AtomicWriteError && error.message.includes(path),
  );

  const warnings: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      warnings.push(chunk.toString());
      done();
    },
  });
  const sink: SinkCursor = { name: 'nats', acked: 5, savedAcked: 2 };
  assert.equal(saveChangedCursors(dir, [sink], pino({ level: 'warn' }, stream)), false);
  assert.equal(sink.savedAcked, 2, 'not marked saved, so the next round retries');
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0]?.includes(path), warnings[0]);
  assert.deepEqual(readdirSync(dir), ['cursor-nats.json'], 'only the directory in the way, no temp file');

  rmdirSync(path);
  assert.equal(saveChangedCursors(dir, [sink], pino({ level: 'silent' })), true, 'the retry succeeds once the way is clear');
  assert.equal(sink.savedAcked, 5);
  assert.equal(loadCursor(dir, 'nats'), 5);
  assert.deepEqual(readdirSync(dir), ['cursor-nats.json']);
});
