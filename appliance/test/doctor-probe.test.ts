// The parsing half of the doctor's input probe, on ffprobe JSON shaped like what RTSP cameras send
// (no average frame rate, B-frames only visible as reordered timestamps, one keyframe in the
// window); doctor-inputs.test.ts runs the real ffprobe.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { factsFromProbe, probeArgs } from '../doctor-probe.ts';

const stream = { codec_name: 'hevc', profile: 'Main', width: 2560, height: 1440, avg_frame_rate: '0/0', r_frame_rate: '15/1' };

/** `count` packets at `fps` in decode order, keyframes at the given indexes, pts as listed or in order. */
function packets(count: number, fps: number, keys: number[], order?: number[]) {
  return Array.from({ length: count }, (_, index) => ({ pts_time: ((order?.[index] ?? index) / fps).toFixed(6), flags: keys.includes(index) ? 'K_' : '__' }));
}

void test('fps from the packets when the stream reports none; GOP as the median keyframe distance', () => {
  const facts = factsFromProbe({ streams: [stream], packets: packets(61, 15, [0, 30, 60]) });
  assert.deepEqual(facts, { codec: 'hevc', profile: 'Main', width: 2560, height: 1440, fps: 15, gop: { frames: 30, seconds: 2 }, bFrames: false });
});

void test('B-frames show as a timestamp lower than one decoded before it', () => {
  const order = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 11];
  const facts = factsFromProbe({ streams: [{ ...stream, has_b_frames: 0 }], packets: packets(12, 10, [0], order) });
  assert.equal(facts?.bFrames, true);
});

void test('fewer than two keyframes: a lower bound; no packets: GOP unknown and the reported rate', () => {
  const one = factsFromProbe({ streams: [stream], packets: packets(50, 10, [10]) });
  // Keyframe at 1.0 s, packets from 0 to 4.9 s: at least 3.9 s without another one.
  const gop = one?.gop;
  assert.ok(gop && 'longerThanSeconds' in gop && Math.abs(gop.longerThanSeconds - 3.9) < 1e-9, JSON.stringify(gop));
  const none = factsFromProbe({ streams: [stream], packets: [] });
  assert.equal(none?.gop, undefined);
  assert.equal(none?.fps, 15);
  assert.equal(factsFromProbe({ streams: [], packets: [] }), undefined);
});

void test('argv: the input kind decides whitelist and timeouts; V4L2 and generated inputs are not probed', () => {
  const rtsp = probeArgs({ source: 'rtsp://u:p@cam/s', roles: ['detect'], rtspTransport: 'udp', index: 1 }, { windowSec: 6, deadlineMs: 11_000, libavformatMajor: 59 }) ?? [];
  assert.deepEqual(rtsp.slice(0, 7), ['-v', 'error', '-rtsp_transport', 'udp', '-timeout', '22000000', '-protocol_whitelist']);
  assert.equal(rtsp[rtsp.indexOf('-read_intervals') + 1], '%+6');
  assert.equal(rtsp.at(-1), 'rtsp://u:p@cam/s');
  // ffmpeg 4.x: -timeout would make the RTSP client listen; its socket timeout is -stimeout.
  const old = probeArgs({ source: 'rtsp://cam/s', roles: ['detect'], rtspTransport: 'tcp', index: 0 }, { windowSec: 6, deadlineMs: 11_000, libavformatMajor: 58 }) ?? [];
  assert.equal(old[old.indexOf('-stimeout') + 1], '22000000');
  assert.ok(!old.includes('-timeout'));
  const http = probeArgs({ source: 'http://cam/v.mjpg', roles: ['detect'], rtspTransport: 'tcp', index: 0 }, { windowSec: 3, deadlineMs: 8000, libavformatMajor: 59 }) ?? [];
  assert.equal(http[http.indexOf('-rw_timeout') + 1], '16000000');
  assert.equal(http[http.indexOf('-protocol_whitelist') + 1], 'http,https,tcp,tls');
  assert.equal(probeArgs({ source: 'v4l2:///dev/video0', roles: ['stream', 'detect'], rtspTransport: 'tcp', index: 0 }, { windowSec: 3, deadlineMs: 8000, libavformatMajor: 59 }), undefined);
  assert.equal(probeArgs({ source: 'testsrc://', roles: ['stream', 'detect'], rtspTransport: 'tcp', index: 0 }, { windowSec: 3, deadlineMs: 8000, libavformatMajor: 59 }), undefined);
});
