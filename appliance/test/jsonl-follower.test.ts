import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsonlFollower } from '../jsonl-follower.ts';

function tempFile(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-jsonl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'events.jsonl');
}

void test('hands over only records appended after start, across partial writes', (t) => {
  const path = tempFile(t);
  writeFileSync(path, '{"old":1}\n');
  const records: unknown[] = [];
  const follower = new JsonlFollower({ path, onRecord: (r) => records.push(r) });
  follower.start();
  t.after(() => follower.stop());
  appendFileSync(path, '{"a":1}\n{"b":');
  follower.poll();
  assert.deepEqual(records, [{ a: 1 }]);
  appendFileSync(path, '2}\nnot json\n');
  follower.poll();
  assert.deepEqual(records, [{ a: 1 }, { b: 2 }]);
  assert.equal(follower.skipped, 1);
});

void test('a rotated file (renamed away, new file) is read from its start', (t) => {
  const path = tempFile(t);
  const records: unknown[] = [];
  const follower = new JsonlFollower({ path, onRecord: (r) => records.push(r), fromStart: true });
  writeFileSync(path, '{"n":1}\n');
  follower.poll();
  renameSync(path, `${path}.1`);
  writeFileSync(path, '{"n":2}\n');
  follower.poll();
  assert.deepEqual(records, [{ n: 1 }, { n: 2 }]);
});

void test('a missing file is not an error, and an overlong line is skipped, not buffered', (t) => {
  const path = tempFile(t);
  const records: unknown[] = [];
  const follower = new JsonlFollower({ path, onRecord: (r) => records.push(r), fromStart: true, maxLineBytes: 100 });
  follower.poll();
  writeFileSync(path, 'x'.repeat(500));
  follower.poll();
  assert.equal(follower.skipped, 1);
  appendFileSync(path, 'tail\n{"ok":true}\n');
  follower.poll();
  assert.deepEqual(records, [{ ok: true }]);
});
