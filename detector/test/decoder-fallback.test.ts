import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Decoder, type DecoderEvent } from '../decode/decoder.ts';
import { decoderInputFrom } from '../decode/decoder-args.ts';
import type { DecodedFrame } from '../decode/frame-parser.ts';
import { HwaccelFallback } from '../decode/hwaccel.ts';
import { fileDecoderOptions, renderClip, tempDir } from './clips.ts';

const dir = tempDir();
const clip = join(dir.path, 'clip.mp4');
before(() => renderClip(clip, { width: 320, height: 240, fps: 10, seconds: 1, gop: 10 }));
after(() => dir.dispose());

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

void test('a hardware decoder that really fails here (vaapi, no /dev/dri) falls back to software once; frames still arrive', async (t) => {
  if (existsSync('/dev/dri/renderD128')) t.skip('a render node exists: vaapi may really work here');
  const { logger, lines } = capturingLogger();
  const events: DecoderEvent[] = [];
  const frames: DecodedFrame[] = [];
  const hw = new HwaccelFallback({ mode: 'vaapi', device: '/dev/dri/renderD128', reason: 'configured' }, 60_000);
  const decoder = new Decoder(
    fileDecoderOptions(clip, { name: 'cam1', fps: 5, width: 96, height: 96, hwaccel: hw, logger, onFrame: (frame) => frames.push(frame), onEvent: (event) => events.push(event) }),
  );
  decoder.start();
  const end = await decoder.ended;
  await decoder.stop();
  assert.equal(end.ok, true, end.reason);
  assert.deepEqual(
    events.map((event) => (event.type === 'started' ? `started:${event.hwaccel}` : event.type)),
    // Each child's exit is reported (the detector's orphan registry forgets it then).
    ['started:vaapi', 'exited', 'fallback', 'started:none', 'exited'],
  );
  assert.equal(hw.fallbacks, 1);
  assert.ok(hw.retryAt > Date.now(), 'hardware is retried later, not now');
  assert.equal(frames.length, 5, 'software decode delivered every sampled frame');
  const warnings = lines.filter((line) => String(line.msg).includes('falling back'));
  assert.equal(warnings.length, 1, 'the reason is logged once');
  assert.match(String(warnings[0]?.reason), /exited with code/);
});

void test('keyframes: a failing hardware decode stage falls back to software the same way (the pipeline exits with its code)', async (t) => {
  if (existsSync('/dev/dri/renderD128')) t.skip('a render node exists: vaapi may really work here');
  const events: DecoderEvent[] = [];
  const frames: DecodedFrame[] = [];
  const hw = new HwaccelFallback({ mode: 'vaapi', device: '/dev/dri/renderD128', reason: 'configured' }, 60_000);
  const decoder = new Decoder(
    fileDecoderOptions(clip, { name: 'cam1', strategy: 'keyframes', fps: 1, width: 96, height: 96, hwaccel: hw, onFrame: (frame) => frames.push(frame), onEvent: (event) => events.push(event) }),
  );
  decoder.start();
  const end = await decoder.ended;
  await decoder.stop();
  assert.equal(end.ok, true, end.reason);
  assert.deepEqual(
    events.map((event) => (event.type === 'started' ? `started:${event.hwaccel}` : event.type)),
    ['started:vaapi', 'exited', 'fallback', 'started:none', 'exited'],
  );
  assert.equal(hw.fallbacks, 1);
  assert.deepEqual(
    frames.map((frame) => frame.pts),
    [0],
    'software decode delivered the clip\'s one keyframe',
  );
});

void test('service mode restarts an exited decoder with backoff and counts the restarts', async () => {
  const events: DecoderEvent[] = [];
  let frames = 0;
  const decoder = new Decoder(
    fileDecoderOptions(clip, {
      name: 'cam2',
      fps: 10,
      width: 32,
      height: 32,
      restart: true,
      backoff: { initialMs: 50, maxMs: 100, resetAfterMs: 60_000 },
      onFrame: () => frames++,
      onEvent: (event) => events.push(event),
    }),
  );
  decoder.start();
  const deadline = Date.now() + 15_000;
  while (decoder.restarts < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await decoder.stop();
  assert.ok(decoder.restarts >= 2, `restarts: ${decoder.restarts}`);
  assert.ok(frames >= 20, `frames across runs: ${frames}`);
  assert.equal(decoder.pid, undefined, 'no child after stop');
  assert.ok(events.filter((event) => event.type === 'restart').length >= 2);
});

void test('a child that produces no frame is killed at the start deadline and restarted', async (t) => {
  const events: DecoderEvent[] = [];
  // An RTSP server that accepts and never answers: ffmpeg waits (io timeout 60 s) until the start
  // watchdog kills it.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as AddressInfo).port;
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });
  const decoder = new Decoder({
    name: 'cam3',
    input: decoderInputFrom(`rtsp://user:secret-pw@127.0.0.1:${port}/none`),
    strategy: 'all',
    fps: 5,
    width: 32,
    height: 32,
    hwaccel: new HwaccelFallback({ mode: 'none', reason: 'test' }, 60_000),
    restart: true,
    stallMs: 300,
    startMs: 300,
    ioTimeoutMs: 60_000,
    backoff: { initialMs: 50, maxMs: 50, resetAfterMs: 60_000 },
    logger: pino({ level: 'silent' }),
    onFrame: () => undefined,
    onEvent: (event) => events.push(event),
  });
  decoder.start();
  const deadline = Date.now() + 10_000;
  while (decoder.restarts < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await decoder.stop();
  assert.ok(decoder.restarts >= 1);
  const restart = events.find((event) => event.type === 'restart');
  assert.match(restart?.type === 'restart' ? restart.reason : '', /no first frame within 300 ms/);
});

void test('after hwaccel_retry_after a software decoder is restarted on hardware (which fails again here)', async (t) => {
  if (existsSync('/dev/dri/renderD128')) t.skip('a render node exists: vaapi may really work here');
  const events: DecoderEvent[] = [];
  const hw = new HwaccelFallback({ mode: 'vaapi', device: '/dev/dri/renderD128', reason: 'configured' }, 1000);
  const decoder = new Decoder({
    name: 'cam4',
    input: decoderInputFrom(clip, { loop: true, realtime: true }),
    strategy: 'all',
    fps: 5,
    width: 32,
    height: 32,
    hwaccel: hw,
    restart: true,
    stallMs: 20_000,
    startMs: 20_000,
    backoff: { initialMs: 50, maxMs: 100, resetAfterMs: 60_000 },
    logger: pino({ level: 'silent' }),
    onFrame: () => undefined,
    onEvent: (event) => events.push(event),
  });
  decoder.start();
  const deadline = Date.now() + 15_000;
  while (hw.fallbacks < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await decoder.stop();
  assert.ok(hw.fallbacks >= 2, `fallbacks: ${hw.fallbacks}`);
  const starts = events.filter((event) => event.type === 'started').map((event) => (event.type === 'started' ? event.hwaccel : ''));
  assert.deepEqual(starts.slice(0, 4), ['vaapi', 'none', 'vaapi', 'none']);
  assert.equal(decoder.restarts, 0, 'hardware retries and fallbacks are not counted as restarts');
});
