/**
 * Snapshot retention and the startup sweep, with real JPEGs on disk and the real HTTP routes:
 * 1 000 events under a 50-file / 5 MB bound leave at most 50 files and 5 MB, no temp file, and while
 * they are written the API answers every snapshot request with a whole JPEG or a 404 envelope.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import { EventStore } from '../event-store/event-store.ts';
import { eventsHttpRoutes } from '../events-http.ts';
import { LatestFrames } from '../latest-frame/latest-frames.ts';
import { encodeJpeg } from '../snapshots/jpeg.ts';
import { SnapshotMetrics } from '../snapshots/metrics.ts';
import { SnapshotFiles } from '../snapshots/snapshot-files.ts';
import { tempDir } from './clips.ts';

/** A noisy frame: JPEGs of a few tens of KB, so the byte bound matters as much as the count. */
function noisyImage(seed: number, width = 320, height = 240) {
  const data = new Uint8Array(width * height * 3);
  let state = seed * 2654435761;
  for (let index = 0; index < data.length; index++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[index] = state >>> 24;
  }
  return { data, width, height };
}

const JPEG_SOI = Buffer.from([0xff, 0xd8]);
const JPEG_EOI = Buffer.from([0xff, 0xd9]);

void test('1 000 events under max_files 50 / max_bytes 5 MB: bounds hold, no temp files, API serves whole JPEGs or 404', { timeout: 120_000 }, async () => {
  const dir = tempDir('lookout-retention-');
  const store = await EventStore.open(join(dir.path, 'events.db'));
  const registry = new Registry();
  const metrics = new SnapshotMetrics(registry);
  const files = new SnapshotFiles(join(dir.path, 'snapshots'), store, { maxFiles: 50, maxBytes: 5 * 1024 * 1024, maxAgeMs: 3_600_000 }, metrics);
  await files.init();
  const app = Fastify();
  await app.register(eventsHttpRoutes({ store, files, latest: new LatestFrames(), cameraState: () => undefined }));
  try {
    const jpegs = await Promise.all([1, 2, 3, 4].map((seed) => encodeJpeg(noisyImage(seed), { quality: 90 })));
    const thumb = await encodeJpeg(noisyImage(9, 96, 96), { quality: 80 });
    assert.ok(jpegs[0]!.length > 50_000, `test JPEGs are big enough to hit the byte bound (${jpegs[0]!.length} B)`);
    const now = Date.now() / 1000;
    const ids: string[] = [];
    let served = 0;
    let missing = 0;
    for (let n = 0; n < 1000; n++) {
      const id = `${(now - 1000 + n).toFixed(6)}.r${String(n).padStart(5, '0')}`;
      ids.push(id);
      store.upsert({ id, camera: 'yard', label: 'person', score: 0.8, firstSeen: (now - 1000 + n) * 1000, box: [1, 2, 3, 4] });
      const write = files.write(id, jpegs[n % jpegs.length]!, thumb, { frame_time: now, box: [1, 2, 3, 4], area: 4, score: 0.8 });
      // Read while writing: an old id (maybe just removed) and the one being written.
      const probes = [ids[Math.max(0, n - 60)]!, id].map(async (probe) => {
        const reply = await app.inject({ method: 'GET', url: `/api/v1/events/${probe}/snapshot.jpg` });
        if (reply.statusCode === 200) {
          served++;
          assert.equal(reply.headers['content-type'], 'image/jpeg');
          assert.ok(reply.rawPayload.subarray(0, 2).equals(JPEG_SOI) && reply.rawPayload.subarray(-2).equals(JPEG_EOI), 'a whole JPEG');
        } else {
          missing++;
          assert.equal(reply.statusCode, 404);
          assert.equal(reply.json<{ error: { code: string } }>().error.code, 'not_found');
        }
      });
      await Promise.all([write, ...probes]);
    }
    await files.idle();
    const names = readdirSync(files.dir);
    const bytes = names.reduce((sum, name) => sum + statSync(join(files.dir, name)).size, 0);
    assert.ok(names.length <= 50, `${names.length} files`);
    assert.ok(bytes <= 5 * 1024 * 1024, `${bytes} bytes`);
    assert.deepEqual(
      names.filter((name) => name.startsWith('.tmp-')),
      [],
    );
    assert.ok(served > 0 && missing > 0, `both outcomes were seen (${served} served, ${missing} missing)`);
    // The newest snapshots are the ones kept; every kept file has its row and every row its files.
    const kept = store.query({ hasSnapshot: true, limit: 1000 }).map((event) => event.id);
    assert.ok(kept.includes(ids.at(-1)!));
    assert.deepEqual(new Set(names), new Set(kept.flatMap((id) => [`${id}.jpg`, `${id}.thumb.jpg`])));
    for (const id of [ids[0]!, ids[500]!]) {
      const reply = await app.inject({ method: 'GET', url: `/api/v1/events/${id}/thumbnail.jpg` });
      assert.equal(reply.statusCode, 404);
      assert.deepEqual(reply.json(), { status: 'error', error: { code: 'not_found', message: `event "${id}" has no thumbnail` } });
      assert.equal(store.get(id)?.has_snapshot, false, 'the event stays, without its snapshot');
    }
    const removed = (await registry.getSingleMetric('lookout_snapshots_removed_total')?.get())?.values ?? [];
    const removedFiles = removed.reduce((sum, value) => sum + value.value, 0);
    assert.equal(removedFiles + names.length, 2000, 'every written file is either kept or counted as removed');
  } finally {
    await app.close();
    await store.close();
    dir.dispose();
  }
});

void test('startup sweep: temp files and files without a row go; a row whose file is missing loses has_snapshot; max_age deletes old events', async () => {
  const dir = tempDir('lookout-sweep-');
  const snapshots = join(dir.path, 'snapshots');
  const path = join(dir.path, 'events.db');
  const jpeg = await encodeJpeg(noisyImage(1, 64, 64), { quality: 70 });
  const now = Date.now() / 1000;
  const keep = `${now.toFixed(6)}.keep01`;
  const broken = `${(now - 1).toFixed(6)}.brok01`;
  const old = `${(now - 7200).toFixed(6)}.old001`;
  {
    const store = await EventStore.open(path);
    const files = new SnapshotFiles(snapshots, store, { maxFiles: 100, maxBytes: 1e9, maxAgeMs: 1e12 });
    await files.init();
    for (const id of [keep, broken, old]) {
      store.upsert({ id, camera: 'yard', label: 'car', score: 0.9, firstSeen: Number(id.slice(0, 17)) * 1000 });
      assert.equal(await files.write(id, jpeg, jpeg, { frame_time: now, box: [0, 0, 1, 1], area: 1, score: 0.9 }), true);
    }
    await store.close();
  }
  writeFileSync(join(snapshots, '.tmp-abc123-x.jpg'), jpeg.subarray(0, 100));
  writeFileSync(join(snapshots, '1.000000.orphan.jpg'), jpeg);
  unlinkSync(join(snapshots, `${broken}.thumb.jpg`));
  const store = await EventStore.open(path);
  try {
    const files = new SnapshotFiles(snapshots, store, { maxFiles: 100, maxBytes: 1e9, maxAgeMs: 3_600_000 });
    assert.deepEqual(await files.init(), { temp: 1, orphans: 1, missing: 1 });
    assert.equal(store.get(broken)?.has_snapshot, false);
    await files.enforce();
    assert.equal(store.get(old), undefined, 'older than max_age: row deleted');
    assert.deepEqual(readdirSync(snapshots).sort(), [`${keep}.jpg`, `${keep}.thumb.jpg`]);
  } finally {
    await store.close();
    dir.dispose();
  }
});

void test('latest.jpg states: unknown camera 404, paused 409 camera_paused, no frame yet 409 no_frame', async () => {
  const dir = tempDir('lookout-latest-');
  const store = await EventStore.open(':memory:');
  const files = new SnapshotFiles(join(dir.path, 'snapshots'), store, { maxFiles: 10, maxBytes: 1e9, maxAgeMs: 3_600_000 });
  await files.init();
  const latest = new LatestFrames();
  const states: Record<string, string> = { live: 'running', quiet: 'paused', fresh: 'running' };
  const app = Fastify();
  await app.register(eventsHttpRoutes({ store, files, latest, cameraState: (id) => states[id] }));
  try {
    latest.put('live', { index: 0, image: noisyImage(3, 160, 90), receivedAt: Date.now() });
    const error = async (url: string, status: number, code: string) => {
      const reply = await app.inject({ method: 'GET', url });
      assert.equal(reply.statusCode, status, url);
      assert.equal(reply.json<{ status: string; error: { code: string } }>().error.code, code, url);
    };
    await error('/api/v1/cameras/nope/latest.jpg', 404, 'unknown_camera');
    await error('/api/v1/cameras/quiet/latest.jpg', 409, 'camera_paused');
    await error('/api/v1/cameras/fresh/latest.jpg', 409, 'no_frame');
    const ok = await app.inject({ method: 'GET', url: '/api/v1/cameras/live/latest.jpg?h=45' });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['cache-control'], 'no-store');
    assert.ok(ok.rawPayload.subarray(0, 2).equals(JPEG_SOI));
    // A height above the frame's is served at the frame's own height (never upscaled).
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/cameras/live/latest.jpg?h=2000' })).statusCode, 200);

    // With boxes, the frame the last detections came from (if still kept), not a newer one.
    const plain = (value: number) => ({ data: new Uint8Array(160 * 90 * 3).fill(value), width: 160, height: 90 });
    latest.put('live', { index: 1, image: plain(30), receivedAt: Date.now() });
    latest.put('live', { index: 2, image: plain(220), receivedAt: Date.now() });
    latest.result({ camera: 'live', frame: 1, pts: 0, width: 320, height: 180, detections: [{ label: 'car', class: 1, score: 0.9, box: [10, 10, 40, 40], boxNorm: [0, 0, 0, 0] }], decodedAt: 0, inferenceMs: 1, latencyMs: 1, motion: true, inferred: true });
    const centre = async (url: string) => {
      const jpeg = (await app.inject({ method: 'GET', url })).rawPayload;
      const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
      return data[(Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels]!;
    };
    assert.ok(Math.abs((await centre('/api/v1/cameras/live/latest.jpg?boxes=1')) - 30) < 10, 'boxes on the frame they were found in');
    assert.ok(Math.abs((await centre('/api/v1/cameras/live/latest.jpg?h=80')) - 220) < 10, 'without boxes, the newest frame (a height not asked before: no cached JPEG)');
  } finally {
    await app.close();
    await store.close();
    dir.dispose();
  }
});
