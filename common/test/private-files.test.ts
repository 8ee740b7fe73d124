// The state directory and everything Lookout writes into it are private (dir 0700, files 0600)
// without systemd's StateDirectoryMode/UMask: run here under the loosest umask (0), with a state
// dir that already exists with a wide mode, through the real writers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDirSync, ensurePrivateDir } from '../private-files.ts';
import { ChildRegistry } from '../child/orphan-registry.ts';
import { createBootSecrets } from '../../gateway/mediamtx/boot-secrets.ts';
import { SegmentStore } from '../../control/outbox/segments.ts';
import { saveCursor } from '../../control/outbox/cursors.ts';
import { JsonlEventFile } from '../../control/events/jsonl-sink.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

function everyEntry(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    out.push(path);
    if (entry.isDirectory()) out.push(...everyEntry(path));
  }
  return out;
}

void test('state dir 0700 and files 0600 under umask 0, for an existing wide dir too (orphans, outbox, cursors, jsonl, secrets)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lookout-private-'));
  const previous = process.umask(0);
  t.after(() => {
    process.umask(previous);
    rmSync(root, { recursive: true, force: true });
  });
  const state = join(root, 'state');
  mkdirSync(state, { mode: 0o777 });
  chmodSync(state, 0o777);
  assert.equal(mode(state), 0o777);

  // orphan registry (gateway): a real child so the registry records it
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((resolve) => child.once('spawn', resolve));
  const registry = new ChildRegistry(state);
  assert.equal(registry.add(child.pid!, 'cam1'), true);
  // per-boot secrets (gateway/mediamtx)
  await createBootSecrets(state).write();
  // outbox segments and cursors (control), in a new sub directory
  const outbox = join(state, 'outbox');
  const segments = new SegmentStore(outbox, 4096, 'never');
  segments.recover();
  await segments.append([{ seq: 1, id: 'a', kind: 'event', data: { x: 1 } }]);
  await segments.close();
  saveCursor(outbox, 'mqtt', 1);
  // jsonl sink (control): a file left 0644 by an older version is tightened when reopened
  const events = join(state, 'events');
  mkdirSync(events, { mode: 0o755 });
  chmodSync(events, 0o755);
  writeFileSync(join(events, 'events.jsonl'), '{"old":true}\n', { mode: 0o644 });
  chmodSync(join(events, 'events.jsonl'), 0o644);
  const jsonl = new JsonlEventFile(events, 1_000_000, 2);
  await jsonl.append('{"new":true}');
  await jsonl.close();

  assert.equal(mode(state), 0o700, 'state dir');
  const entries = everyEntry(state);
  assert.ok(entries.length >= 7, entries.join('\n'));
  for (const path of entries) {
    const wanted = statSync(path).isDirectory() ? 0o700 : 0o600;
    assert.equal(mode(path).toString(8), wanted.toString(8), path);
  }
  for (const name of ['children.json', 'mediamtx-api.credential', 'demand-hook.secret', 'outbox', 'events/events.jsonl']) {
    assert.ok(entries.includes(join(state, name)), `${name} was written`);
  }
});

void test('a directory the process cannot chmod (not its own) is left alone; a missing one is created 0700', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lookout-private-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const nested = join(root, 'a', 'b');
  await ensurePrivateDir(nested);
  assert.equal(mode(nested), 0o700);
  assert.equal(mode(join(root, 'a')), 0o700, 'intermediate directories too');
  if (process.getuid?.() === 0) {
    // root may chmod anything; the EPERM path is for ordinary users (e.g. state_dir: /tmp).
    t.diagnostic('running as root: EPERM on a foreign directory cannot happen here');
    return;
  }
  assert.doesNotThrow(() => ensurePrivateDirSync('/tmp'));
  assert.equal(mode('/tmp') & 0o1777, 0o1777, '/tmp untouched');
});
