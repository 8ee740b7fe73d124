/**
 * Event snapshots on MQTT against a real mosquitto: the detector's outputs publish the JPEG bytes
 * retained on `<prefix>/<camera>/<label>/snapshot` and `<prefix>/<camera>/all/snapshot`; an
 * independent `mosquitto_sub` receives them and ffprobe decodes them as JPEG. A snapshot over
 * `snapshots.mqtt_max_bytes` is not published; a better one within `mqtt_interval` is deferred and
 * then sent (the newest wins).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import mqtt from 'mqtt';
import { parseConfig } from '../../common/config/load.ts';
import { silentLogger } from '../../common/log.ts';
import { createDetectorOutputs } from '../../control/events/detector-outputs.ts';
import { startMosquitto, waitFor, type Mosquitto } from '../../test/support/brokers.ts';
import { encodeJpeg } from '../snapshots/jpeg.ts';
import { tempDir } from './clips.ts';

let broker: Mosquitto;
before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  await broker.dispose();
});

function frame(red: number) {
  const width = 320;
  const height = 180;
  const data = new Uint8Array(width * height * 3);
  for (let index = 0; index < data.length; index += 3) data[index] = red;
  return { data, width, height };
}

/** The retained payload of `topic` as an independent client sees it (raw bytes). */
async function retainedBytes(port: number, topic: string): Promise<Buffer> {
  const result = await execa('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-C', '1', '-N', '-W', '5', '--retained-only'], { encoding: 'buffer', timeout: 15_000, reject: false });
  return Buffer.from(result.stdout);
}

async function ffprobeCodec(jpeg: Buffer): Promise<{ codec: string; width: number; height: number }> {
  const probe = await execa('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', '-i', 'pipe:0'], { input: jpeg, timeout: 15_000 });
  const stream = (JSON.parse(probe.stdout) as { streams: Array<{ codec_name: string; width: number; height: number }> }).streams[0]!;
  return { codec: stream.codec_name, width: stream.width, height: stream.height };
}

void test('snapshot bytes arrive retained on <prefix>/<camera>/<label>/snapshot and decode as JPEG; size bound and rate limit', { timeout: 60_000 }, async () => {
  const dir = tempDir('lookout-snapshot-mqtt-');
  const config = parseConfig(
    {
      state_dir: dir.path,
      cameras: [{ id: 'yard', source: 'testsrc://', detect: { labels: ['person'] } }],
      mqtt: { url: broker.url, publish_timeout: '2s' },
      detector: { snapshots: { mqtt_max_bytes: 64 * 1024, mqtt_interval: '1s' } },
    },
    { env: {} },
  );
  const outputs = await createDetectorOutputs(config, silentLogger());
  try {
    await waitFor(() => outputs.plane.mqtt?.connected === true, 10_000, 'mqtt connected');
    // A live subscriber sees the sequence; mosquitto_sub (below) sees what is retained.
    const watcher = await mqtt.connectAsync(broker.url);
    const seen: Buffer[] = [];
    watcher.on('message', (_topic, payload) => seen.push(Buffer.from(payload)));
    await watcher.subscribeAsync('lookout/yard/person/snapshot', { qos: 0 });
    try {
      const first = await encodeJpeg(frame(200), { quality: 80 });
      const better = await encodeJpeg(frame(120), { quality: 80 });
      const best = await encodeJpeg(frame(60), { quality: 80 });
      // The first snapshot goes out at once; two better ones right after wait for mqtt_interval and the newest wins.
      outputs.sink.snapshot({ camera: 'yard', label: 'person', jpeg: first, first: true });
      outputs.sink.snapshot({ camera: 'yard', label: 'person', jpeg: better, first: false });
      outputs.sink.snapshot({ camera: 'yard', label: 'person', jpeg: best, first: false });
      await waitFor(() => seen.length >= 2, 20_000, 'first and deferred snapshot');
      assert.equal(seen.length, 2);
      assert.ok(seen[0]!.equals(first) && seen[1]!.equals(best), 'first at once, then only the newest of the deferred ones');
      const received = await retainedBytes(broker.port, 'lookout/yard/person/snapshot');
      assert.ok(received.equals(best), 'the exact JPEG bytes, retained');
      assert.deepEqual(await ffprobeCodec(received), { codec: 'mjpeg', width: 320, height: 180 });
      assert.ok((await retainedBytes(broker.port, 'lookout/yard/all/snapshot')).equals(best), "the camera's latest event snapshot");
    } finally {
      await watcher.endAsync(true);
    }
    const best = await retainedBytes(broker.port, 'lookout/yard/person/snapshot');

    // Too large: not published, the retained one stays.
    const noisy = new Uint8Array(640 * 480 * 3).map((_, index) => (index * 2654435761) >>> 24);
    const large = await encodeJpeg({ data: noisy, width: 640, height: 480 }, { quality: 100 });
    assert.ok(large.length > 64 * 1024);
    outputs.sink.snapshot({ camera: 'yard', label: 'person', jpeg: large, first: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok((await retainedBytes(broker.port, 'lookout/yard/person/snapshot')).equals(best));
  } finally {
    await outputs.close();
    dir.dispose();
  }
});
