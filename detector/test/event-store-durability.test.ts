/**
 * The event store: filters, zone matching, snapshot bookkeeping, and durability — a child process
 * writing events is SIGKILLed and every event it had acknowledged is there when the store reopens.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { EventStore } from '../event-store/event-store.ts';
import { tempDir } from './clips.ts';

const WRITER = fileURLToPath(new URL('event-store-writer.ts', import.meta.url));

void test('filters: camera, label, zone (entered_zones), after/before in seconds, has_snapshot, limit; newest first', async () => {
  const store = await EventStore.open(':memory:');
  try {
    const base = 1_764_596_400;
    const event = (n: number, camera: string, label: string, zones: string[]) => ({
      id: `${(base + n).toFixed(6)}.abc${String(n).padStart(3, '0')}`,
      camera,
      label,
      score: 0.7,
      topScore: 0.8,
      firstSeen: (base + n) * 1000,
      enteredZones: zones,
      currentZones: zones.slice(-1),
      box: [10, 20, 30, 40],
      subLabel: null,
      motionlessCount: 3,
    });
    store.upsert(event(1, 'front', 'person', ['yard']));
    store.upsert(event(2, 'front', 'car', ['drive', 'yard']));
    store.upsert(event(3, 'back', 'person', []));
    // An update keeps the higher top score and adds newly entered zones.
    store.upsert({ ...event(3, 'back', 'person', ['porch']), topScore: 0.5, endTime: (base + 9) * 1000 });
    const ids = (list: Array<{ id: string }>) => list.map((item) => item.id.slice(-1));
    assert.deepEqual(ids(store.query({ limit: 50 })), ['3', '2', '1']);
    assert.deepEqual(ids(store.query({ camera: 'front', limit: 50 })), ['2', '1']);
    assert.deepEqual(ids(store.query({ label: 'person', limit: 50 })), ['3', '1']);
    assert.deepEqual(ids(store.query({ zone: 'yard', limit: 50 })), ['2', '1']);
    assert.deepEqual(ids(store.query({ zone: 'porch', limit: 50 })), ['3']);
    assert.deepEqual(ids(store.query({ after: base + 1, before: base + 3, limit: 50 })), ['2']);
    assert.deepEqual(ids(store.query({ limit: 1 })), ['3']);
    const third = store.query({ camera: 'back', limit: 1 })[0]!;
    assert.equal(third.top_score, 0.8);
    assert.equal(third.end_time, base + 9);
    assert.equal(third.has_snapshot, false);
    assert.equal(third.snapshot, null);
    assert.equal(third.motionless_count, 3, 'unknown fields come back in snake_case');
    assert.equal(third.sub_label, null);
    assert.equal(store.setSnapshot(third.id, { frame_time: base + 3.5, box: [1, 2, 3, 4], area: 4, score: 0.8 }, 2, 1234), true);
    assert.equal(store.setSnapshot('1.000000.nosuch', { frame_time: 0, box: [0, 0, 0, 0], area: 0, score: 0 }, 2, 1), false);
    assert.deepEqual(store.get(third.id)?.snapshot, { frame_time: base + 3.5, box: [1, 2, 3, 4], area: 4, score: 0.8 });
    assert.deepEqual(ids(store.query({ hasSnapshot: true, limit: 50 })), ['3']);
    assert.deepEqual(store.snapshotTotals(), { events: 1, files: 2, bytes: 1234 });
    store.clearSnapshot(third.id);
    assert.deepEqual(store.snapshotTotals(), { events: 0, files: 0, bytes: 0 });
    store.deleteEvent(third.id);
    assert.equal(store.get(third.id), undefined);
    assert.deepEqual(ids(store.query({ zone: 'porch', limit: 50 })), [], 'zones go with their event');
  } finally {
    await store.close();
  }
});

void test('SIGKILL of the writing process loses no acknowledged event', async () => {
  const dir = tempDir('lookout-store-kill-');
  const path = join(dir.path, 'events.db');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`writer made too little progress (${acked.length} acks): ${stderr.slice(-500)}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
        if (acked.length >= 2000) {
          clearTimeout(deadline);
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`writer exited early: ${stderr.slice(-500)}`)));
    });
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    const store = await EventStore.open(path);
    try {
      const missing = acked.filter((id) => store.get(id) === undefined);
      assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${acked.length} acknowledged events lost`);
      assert.ok(store.count() >= acked.length);
      assert.equal(store.query({ zone: 'yard', limit: 1000 }).length > 0, true);
    } finally {
      await store.close();
    }
  } finally {
    dir.dispose();
  }
});

void test('WAL checkpoints run on the worker thread: the WAL is copied into the database while events are written', async () => {
  const dir = tempDir('lookout-store-ckpt-');
  const store = await EventStore.open(join(dir.path, 'events.db'), { checkpointIntervalMs: 50 });
  try {
    for (let n = 0; n < 3000; n++) {
      store.upsert({ id: `${(1_764_596_400 + n).toFixed(6)}.c${String(n).padStart(5, '0')}`, camera: 'yard', label: 'car', score: 0.5, firstSeen: (1_764_596_400 + n) * 1000 });
    }
    const stats = store.checkpoints!;
    for (const until = Date.now() + 20_000; !(stats.runs > 0 && stats.lastLog > 0 && stats.lastCheckpointed === stats.lastLog) && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(stats.runs > 0 && stats.lastLog > 0, `checkpoint runs: ${JSON.stringify(stats)}`);
    assert.equal(stats.lastCheckpointed, stats.lastLog, 'every WAL frame copied');
    assert.equal(stats.errors, 0);
    assert.equal(store.count(), 3000);
  } finally {
    await store.close();
    dir.dispose();
  }
});
