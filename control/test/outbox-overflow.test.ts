// The outbox's disk bound under drop-oldest when a burst arrives while a drop is already in flight:
// the items enqueued meanwhile must not leave the log over `disk_bytes` for good. Real files, no
// sink (nothing is acknowledged, so only the overflow policy frees disk).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../common/log.ts';
import { Outbox } from '../outbox/outbox.ts';

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

void test('drop-oldest: a burst enqueued during a drop still ends with the log under disk_bytes, newest kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-outbox-overflow-'));
  const diskBytes = 4096;
  const outbox = new Outbox({ dir, logger: silentLogger(), memoryItems: 1000, diskBytes, segmentBytes: 512, overflow: 'drop-oldest', fsync: 'never' });
  outbox.start();
  t.after(async () => {
    await outbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const pad = 'x'.repeat(80);

  // Fill to just under the bound, one item per append, so it spreads over several small segments.
  let n = 0;
  while (outbox.store.totalBytes < diskBytes - 600) {
    outbox.enqueue('event', `a${n}`, { pad });
    n++;
    await until(() => outbox.persistedThrough === n, `item ${n} on disk`);
  }
  const segmentsBefore = outbox.store.segmentCount;
  assert.ok(segmentsBefore >= 4, `${segmentsBefore} segments before the burst`);
  assert.equal(outbox.stats.overflowDropped, 0);

  // A burst without yielding: the first item over the bound starts one drop; the rest arrive while
  // it is in flight and are appended after it, well past the bound.
  const burst = 20;
  for (let i = 0; i < burst; i++) assert.equal(outbox.enqueue('event', `b${i}`, { pad }), true);
  const last = n + burst;
  await until(() => outbox.persistedThrough === last, 'the burst on disk');
  await until(() => outbox.store.totalBytes <= diskBytes, `the log back under ${diskBytes} bytes (at ${outbox.store.totalBytes})`);

  assert.ok(outbox.stats.overflowDropped > 0);
  assert.ok(outbox.store.segmentCount < segmentsBefore + 2, 'old segments were dropped');
  const newest = await outbox.store.readFrom(last, 1);
  assert.equal(newest[0]?.id, `b${burst - 1}`, 'the newest item is kept');
  assert.equal(outbox.stats.enqueued, last);
});
