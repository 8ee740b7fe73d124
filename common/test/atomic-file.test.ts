// The one atomic writer of state files (common/atomic-file.ts) on the real filesystem: content
// replaced whole, mode 0600 whatever the umask, a failed write names the file and leaves no temp
// file beside it (cases that fail for root too), and two processes writing one path both succeed
// with one whole content left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { AtomicWriteError, writeFileAtomicAsync, writeFileAtomicSync } from '../atomic-file.ts';
import { tempStateDir } from '../../test/support/temp-state.ts';

const WRITER = fileURLToPath(new URL('./fixtures/atomic-writer.ts', import.meta.url));
const mode = (path: string) => statSync(path).mode & 0o777;

void test('replaces the content whole, mode 0600 under umask 0 (an existing 0644 file too), nothing else left in the directory', (t) => {
  const dir = tempStateDir('lookout-atomic-');
  const previous = process.umask(0);
  t.after(() => process.umask(previous));
  const path = join(dir, 'state.json');

  writeFileAtomicSync(path, '{"v":1}\n');
  assert.equal(readFileSync(path, 'utf8'), '{"v":1}\n');
  assert.equal(mode(path).toString(8), '600');

  chmodSync(path, 0o644);
  writeFileAtomicSync(path, '{"v":2}\n');
  assert.equal(readFileSync(path, 'utf8'), '{"v":2}\n');
  assert.equal(mode(path).toString(8), '600', 'a file left 0644 is tightened when replaced');
  assert.deepEqual(readdirSync(dir), ['state.json'], 'no temp file left after successful writes');
});

void test('a failing rename (the target is a directory) throws an error naming the path and leaves no temp file', () => {
  const dir = tempStateDir('lookout-atomic-');
  const path = join(dir, 'cursor.json');
  mkdirSync(path);
  writeFileSync(join(path, 'inside'), 'kept');

  assert.throws(
    () => writeFileAtomicSync(path, '{"acked":1}'),
    (error: unknown) => {
      assert.ok(error instanceof AtomicWriteError, String(error));
      assert.equal(error.path, path);
      assert.match(error.message, new RegExp(`cannot write ${path}: E[A-Z]+`));
      assert.ok(error.code, 'the errno code is kept');
      return true;
    },
  );
  assert.deepEqual(readdirSync(dir), ['cursor.json'], 'only the directory that was there');
  assert.deepEqual(readdirSync(path), ['inside'], 'the directory is untouched');
});

void test('a failing write (the parent is a file) throws an error naming the path and leaves no temp file', () => {
  const dir = tempStateDir('lookout-atomic-');
  const parent = join(dir, 'not-a-dir');
  writeFileSync(parent, 'a file');
  const path = join(parent, 'children.json');

  assert.throws(
    () => writeFileAtomicSync(path, '{}'),
    (error: unknown) => {
      assert.ok(error instanceof AtomicWriteError, String(error));
      assert.equal(error.code, 'ENOTDIR');
      assert.ok(error.message.includes(path), error.message);
      return true;
    },
  );
  assert.deepEqual(readdirSync(dir), ['not-a-dir']);
  assert.equal(readFileSync(parent, 'utf8'), 'a file');
});

void test('the same path written twice in quick succession keeps the second content', () => {
  const dir = tempStateDir('lookout-atomic-');
  const path = join(dir, 'cursor-mqtt.json');
  writeFileAtomicSync(path, '{"acked":1}');
  writeFileAtomicSync(path, '{"acked":2}');
  assert.equal(readFileSync(path, 'utf8'), '{"acked":2}');
  assert.deepEqual(readdirSync(dir), ['cursor-mqtt.json']);
});

void test('two processes replacing one path concurrently both succeed; readers and the end see one whole content', { timeout: 120_000 }, async (t) => {
  const dir = tempStateDir('lookout-atomic-');
  const path = join(dir, 'shared.json');
  const size = 256 * 1024;
  const whole = new Set(['a'.repeat(size), 'b'.repeat(size)]);
  const writer = (char: string) =>
    execa(process.execPath, ['--import', 'tsx', WRITER, path, char, String(size), '40'], {
      timeout: 100_000,
      forceKillAfterDelay: 1000,
      stdin: 'ignore',
      reject: false,
    });
  const writers = [writer('a'), writer('b')];
  let running = true;
  const finished = Promise.all(writers).finally(() => {
    running = false;
  });

  // While they run, every read sees one writer's whole content (never empty, never a mix).
  let reads = 0;
  while (running) {
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, 'ENOENT', 'only "not written yet" may fail');
    }
    if (text !== undefined) {
      reads++;
      assert.ok(whole.has(text), `a read saw ${text.length} bytes starting ${JSON.stringify(text.slice(0, 8))}`);
    }
    await nextTurn();
  }

  for (const result of await finished) {
    assert.equal(result.exitCode, 0, `writer failed: ${result.stderr || result.message}`);
  }
  assert.ok(whole.has(readFileSync(path, 'utf8')), 'the final content is one of the two, whole');
  assert.deepEqual(readdirSync(dir), ['shared.json'], 'no temp file of either writer is left');
  assert.equal(mode(path).toString(8), '600');
  t.diagnostic(`${reads} reads overlapped the writers`);
});

void test('the async form: replaced whole at 0600; a failure names the path and leaves no temp file', async () => {
  const dir = tempStateDir('lookout-atomic-');
  const path = join(dir, 'mediamtx.effective.yml');
  await writeFileAtomicAsync(path, 'paths: {}\n');
  await writeFileAtomicAsync(path, 'paths:\n  cam: {}\n');
  assert.equal(readFileSync(path, 'utf8'), 'paths:\n  cam: {}\n');
  assert.equal(mode(path).toString(8), '600');

  const blocked = join(dir, 'secret-dir');
  mkdirSync(blocked);
  await assert.rejects(writeFileAtomicAsync(blocked, 'x'), (error: unknown) => error instanceof AtomicWriteError && error.path === blocked);
  assert.deepEqual(readdirSync(dir).sort(), ['mediamtx.effective.yml', 'secret-dir'], 'no temp file left');
});
