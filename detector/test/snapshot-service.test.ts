/**
 * Snapshots end to end through the real service: a generated clip with a known red "person" box,
 * the real decoder (with its full-frame output), the real model, the tracker, the event store and
 * the HTTP routes. The served snapshot is decoded with ffmpeg and checked pixel by pixel: the drawn
 * outline sits on the object's edge and the crop contains the object. latest.jpg and every bad
 * input answer with the exact envelope, and the API keeps serving.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { parseConfig } from '../../common/config/load.ts';
import { silentLogger } from '../../common/log.ts';
import { InferencePool } from '../inference/inference-pool.ts';
import { MemorySink } from '../publisher.ts';
import { DetectorService } from '../service.ts';
import { labelColor } from '../snapshots/draw.ts';
import { ObjectTracker } from '../track/index.ts';
import { PERSON, renderClip, tempDir } from './clips.ts';
import { liveChildren } from './leak-probe.ts';

const dir = tempDir('lookout-snapshot-');
const clip = join(dir.path, 'person.mp4');
before(() => renderClip(clip, { width: 1280, height: 720, fps: 25, seconds: 6, gop: 25, boxes: [PERSON] }));
after(() => dir.dispose());

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** GET with the path sent as written (no URL normalisation of `..`). */
function get(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path.slice(0, 80)} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function json(reply: Reply): { status: string; data?: unknown; error?: { code: string; message: string } } {
  return JSON.parse(reply.body.toString()) as { status: string; data?: unknown; error?: { code: string; message: string } };
}

/** Decodes a JPEG to RGB24 with ffmpeg; the size comes from ffprobe. */
async function decodeJpeg(jpeg: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const probe = await execa('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,codec_name', '-of', 'json', '-i', 'pipe:0'], { input: jpeg, timeout: 20_000 });
  const stream = (JSON.parse(probe.stdout) as { streams: Array<{ width: number; height: number; codec_name: string }> }).streams[0]!;
  assert.equal(stream.codec_name, 'mjpeg');
  const raw = await execa('ffmpeg', ['-v', 'error', '-f', 'image2pipe', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { input: jpeg, encoding: 'buffer', timeout: 20_000 });
  return { data: Buffer.from(raw.stdout), width: stream.width, height: stream.height };
}

function pixel(image: { data: Buffer; width: number }, x: number, y: number): [number, number, number] {
  const offset = (Math.round(y) * image.width + Math.round(x)) * 3;
  return [image.data[offset]!, image.data[offset + 1]!, image.data[offset + 2]!];
}

function near(actual: readonly number[], expected: readonly number[], tolerance: number): boolean {
  return actual.every((value, index) => Math.abs(value - expected[index]!) <= tolerance);
}

const RED = [0xe0, 0x18, 0x18];
const BACKGROUND = [0x28, 0x28, 0x28];

void test('event snapshot: drawn box on the object, crop contains it; latest.jpg; bad input gets exact envelopes', { timeout: 180_000 }, async () => {
  const config = parseConfig({
    state_dir: join(dir.path, 'state'),
    shutdown_timeout: '10s',
    cameras: [{ id: 'yard', source: `file://${clip}`, detect: { fps: 5, read_from: 'source', decode: 'all', min_score: 0.5, motion_gate: false } }],
    detector: { hwaccel: 'none', workers: 1, threads: 1, http: { host: '127.0.0.1', port: 0 } },
  });
  const sink = new MemorySink(2000);
  const service = await new DetectorService({ config, logger: silentLogger(), sink, createPool: (options) => InferencePool.create(options), createTracker: () => new ObjectTracker() }).start();
  try {
    const port = service.httpPort!;
    // Wait (bounded) for a person event with a snapshot.
    let event: { id: string; box: number[]; has_snapshot: boolean; snapshot: { box: number[]; score: number; frame_time: number } | null } | undefined;
    const deadline = Date.now() + 90_000;
    while (!event && Date.now() < deadline) {
      const list = json(await get(port, '/api/v1/events?camera=yard&label=person&has_snapshot=1'));
      event = (list.data as Array<typeof event>)[0];
      if (!event) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(event, 'a person event with a snapshot within 90 s');
    assert.equal(event.has_snapshot, true);
    assert.ok(event.snapshot && event.snapshot.score >= 0.5);

    const snapshotReply = await get(port, `/api/v1/events/${event.id}/snapshot.jpg`);
    assert.equal(snapshotReply.status, 200);
    assert.equal(snapshotReply.headers['content-type'], 'image/jpeg');
    const image = await decodeJpeg(snapshotReply.body);
    assert.deepEqual([image.width, image.height], [1280, 720], 'full frame at snapshots.height (720), not the 640x640 model input');
    const [x1, y1, x2, y2] = event.snapshot.box as [number, number, number, number];
    const outline = labelColor('person');
    // Along the box's bottom and right edges (the label tag sits above the top edge).
    for (const fraction of [0.25, 0.5, 0.75]) {
      const x = x1 + (x2 - x1) * fraction;
      const y = y1 + (y2 - y1) * fraction;
      assert.ok(near(pixel(image, x, y2), outline, 60), `bottom outline at x=${Math.round(x)}: ${pixel(image, x, y2).join(',')}`);
      assert.ok(near(pixel(image, x2, y), outline, 60), `right outline at y=${Math.round(y)}: ${pixel(image, x2, y).join(',')}`);
      // Just inside the outline is the red object, just outside the background.
      assert.ok(near(pixel(image, x2 - 8, y), RED, 50), `inside the box: ${pixel(image, x2 - 8, y).join(',')}`);
      assert.ok(near(pixel(image, x2 + 8, y), BACKGROUND, 40), `outside the box: ${pixel(image, x2 + 8, y).join(',')}`);
    }

    const thumbReply = await get(port, `/api/v1/events/${event.id}/thumbnail.jpg`);
    assert.equal(thumbReply.status, 200);
    const thumb = await decodeJpeg(thumbReply.body);
    assert.ok(thumb.height <= 175, `thumbnail height ${thumb.height}`);
    assert.ok(near(pixel(thumb, thumb.width / 2, thumb.height / 2), RED, 50), 'the crop is centred on the object');

    const one = json(await get(port, `/api/v1/events/${event.id}`));
    assert.equal(one.status, 'ok');
    assert.equal((one.data as { id: string }).id, event.id);

    const latest = await get(port, '/api/v1/cameras/yard/latest.jpg?boxes=1&h=360');
    assert.equal(latest.status, 200);
    assert.equal(latest.headers['cache-control'], 'no-store');
    const small = await decodeJpeg(latest.body);
    assert.equal(small.height, 360);

    // Bad input: exact envelopes.
    const expectError = async (path: string, status: number, code: string) => {
      const reply = await get(port, path);
      assert.equal(reply.status, status, `${path.slice(0, 60)} → ${reply.status} ${reply.body.toString().slice(0, 200)}`);
      const body = json(reply);
      assert.equal(body.status, 'error');
      assert.equal(body.error?.code, code, path.slice(0, 60));
      assert.ok(body.error.message.length < 200, 'messages stay short');
    };
    await expectError('/api/v1/events/1764596400.123456.zz99zz', 404, 'not_found');
    await expectError('/api/v1/events/1764596400.123456.zz99zz/snapshot.jpg', 404, 'not_found');
    await expectError('/api/v1/events/..%2F..%2Fetc%2Fpasswd', 400, 'bad_request');
    await expectError('/api/v1/events/..%2F..%2Fetc%2Fpasswd/snapshot.jpg', 400, 'bad_request');
    await expectError('/api/v1/events/%2E%2E/thumbnail.jpg', 400, 'bad_request');
    await expectError('/api/v1/events/1764596400.123456.%C3%A9t%C3%A9ab', 400, 'bad_request');
    await expectError('/api/v1/events/1764596400.123456.ABCDEF', 400, 'bad_request');
    // A 10 KB id never reaches the route: the server's gate refuses the path segment.
    await expectError(`/api/v1/events/${'1'.repeat(10_240)}`, 414, 'uri_too_long');
    await expectError(`/api/v1/events/${'1'.repeat(10_240)}/snapshot.jpg`, 414, 'uri_too_long');
    await expectError(`/api/v1/events/1.123456.${'a'.repeat(90)}`, 400, 'bad_request');
    await expectError('/api/v1/events?limit=0', 400, 'bad_request');
    await expectError('/api/v1/events?limit=1001', 400, 'bad_request');
    await expectError('/api/v1/events?camera=..%2Fx', 400, 'bad_request');
    await expectError('/api/v1/events?nope=1', 400, 'bad_request');
    await expectError('/api/v1/cameras/nope/latest.jpg', 404, 'unknown_camera');
    await expectError('/api/v1/cameras/yard/latest.jpg?h=0', 400, 'bad_request');
    await expectError('/api/v1/cameras/yard/latest.jpg?h=99999', 400, 'bad_request');
    await expectError('/api/v1/cameras/yard/latest.jpg?h=abc', 400, 'bad_request');
    await expectError('/api/v1/cameras/YARD/latest.jpg', 400, 'bad_request');

    // The events the outputs received carry the snapshot facts once there is a snapshot.
    // (The tracker rate-limits updates: wait, bounded, for the next message of a person event.)
    const carried = () => sink.events.find((item) => item.label === 'person' && (item as { hasSnapshot?: boolean }).hasSnapshot === true) as
      | (typeof sink.events)[number] & { snapshot?: { score: number } }
      | undefined;
    for (const until = Date.now() + 30_000; !carried() && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(carried()?.snapshot && carried()!.snapshot!.score >= 0.5, 'an event message to the outputs carries hasSnapshot and snapshot');

    await service.pauseCamera('yard');
    await expectError('/api/v1/cameras/yard/latest.jpg', 409, 'camera_paused');
    // The process keeps serving.
    assert.equal((await get(port, '/healthz')).status, 200);
    assert.equal((await get(port, `/api/v1/events/${event.id}/snapshot.jpg`)).status, 200);
  } finally {
    await service.stop();
  }
  assert.deepEqual(liveChildren(), []);
});
