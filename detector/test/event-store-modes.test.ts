import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventStore } from '../event-store/event-store.ts';
import { SnapshotFiles } from '../snapshots/snapshot-files.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

void test('events and snapshots are private whatever the umask: directories 0700, database, WAL and JPEG files 0600', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-modes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const previous = process.umask(0);
  t.after(() => process.umask(previous));
  const state = join(dir, 'state');
  const store = await EventStore.open(join(state, 'events.db'));
  const files = new SnapshotFiles(join(state, 'snapshots'), store, { maxFiles: 10, maxBytes: 1e6, maxAgeMs: 3_600_000 });
  try {
    await files.init();
    const now = Date.now();
    const id = `${(now / 1000).toFixed(6)}.ab12cd`;
    store.upsert({ id, camera: 'yard', label: 'person', score: 0.9, firstSeen: now, box: [1, 2, 3, 4] });
    assert.equal(await files.write(id, Buffer.from([0xff, 0xd8, 0xff, 0xd9]), Buffer.from([0xff, 0xd8, 0xff, 0xd9]), { frame_time: 1, box: [1, 2, 3, 4], area: 4, score: 0.9 }), true);
    assert.equal(mode(state), 0o700);
    assert.equal(mode(join(state, 'snapshots')), 0o700);
    for (const name of readdirSync(state).filter((entry) => entry.startsWith('events.db'))) assert.equal(mode(join(state, name)), 0o600, name);
    assert.ok(readdirSync(state).includes('events.db-wal'), 'WAL file exists (and was checked)');
    const jpegs = readdirSync(join(state, 'snapshots'));
    assert.equal(jpegs.length, 2);
    for (const name of jpegs) assert.equal(mode(join(state, 'snapshots', name)), 0o600, name);
  } finally {
    await store.close();
  }
});
