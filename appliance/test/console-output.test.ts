import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bannerLines, eventLine } from '../console-output.ts';
import { demoConfig } from '../demo-config.ts';

void test('with mediamtx the banner gives ffplay, VLC and HLS commands per camera and the real API port', () => {
  const config = demoConfig({ stateDir: '/tmp/s', mediamtx: true, rtspPort: 8655 });
  const text = bannerLines(config, { mediamtx: true, demo: true, httpPort: 43210 }).join('\n');
  assert.match(text, /ffplay -rtsp_transport tcp rtsp:\/\/127\.0\.0\.1:8655\/demo/);
  assert.match(text, /vlc rtsp:\/\/127\.0\.0\.1:8655\/demo/);
  assert.match(text, /http:\/\/127\.0\.0\.1:8888\/demo\//);
  assert.match(text, /curl http:\/\/127\.0\.0\.1:43210\/api\/v1\/events/);
  assert.doesNotMatch(text, /mediamtx was not found/);
});

void test('without mediamtx the banner says so and how to install it', () => {
  const config = demoConfig({ stateDir: '/tmp/s', mediamtx: false });
  const text = bannerLines(config, { mediamtx: false, demo: true }).join('\n');
  assert.match(text, /mediamtx was not found/);
  assert.match(text, /read_from: source/);
  assert.match(text, /bash scripts\/install-mediamtx\.sh/);
  assert.doesNotMatch(text, /ffplay/);
  assert.match(text, /\/tmp\/s\/events\.jsonl/);
});

void test('event lines: Frigate-shaped and flat events, unknown shapes as JSON, secrets redacted', () => {
  const frigate = { type: 'new', after: { id: 'demo:1', camera: 'demo', label: 'person', score: 0.987, frame_time: 1_700_000_000 } };
  assert.equal(eventLine(frigate), '2023-11-14T22:13:20.000Z demo new: person 99% (track demo:1)');
  assert.match(eventLine({ camera: 'cam', label: 'car', score: 0.5 }), / cam event: car 50%$/);
  assert.equal(eventLine({ hello: 'rtsp://u:secret@cam/x' }), '{"hello":"rtsp://u:***@cam/x"}');
});
