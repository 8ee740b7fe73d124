import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfigText } from '../config/load.ts';
import { TOPIC_WORD_REASONS } from '../topic-words.ts';

function errorsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfigText(yaml, { env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.issues;
  }
  assert.fail('config was accepted');
}

void test('a minimal config gets every default', () => {
  const config = parseConfigText('cameras:\n  - id: front\n    source: rtsp://cam.local/stream1\n', { env: {} });
  assert.equal(config.pipelines.limit, 2);
  assert.equal(config.shutdown_timeout, 10_000);
  assert.equal(config.http.host, '127.0.0.1');
  const camera = config.cameras[0];
  assert.ok(camera);
  assert.equal(camera.mode, 'always');
  assert.equal(camera.video, 'copy');
  assert.deepEqual(camera.timeouts, { io: 10_000, stall: 10_000, start: 15_000 });
});

const badConfigs: Array<[string, string, string]> = [
  ['unknown top-level key', 'camras: []\n', 'camras: unknown key'],
  ['unknown camera key', 'cameras:\n  - id: a\n    source: testsrc://\n    fps: 5\n', 'cameras[0].fps: unknown key'],
  ['bad id', 'cameras:\n  - id: Front Door\n    source: testsrc://\n', 'cameras[0].id: must match [a-z0-9_-]{1,64} (got "Front Door")'],
  ['duplicate id', 'cameras:\n  - id: a\n    source: testsrc://\n  - id: a\n    source: testsrc://\n', 'cameras[1].id: duplicate camera id (also cameras[0].id)'],
  ['bad scheme', 'cameras:\n  - id: a\n    source: ftp://x/y\n', 'cameras[0].source: must be an rtsp(s)://'],
  ['bad mode', 'cameras:\n  - id: a\n    source: testsrc://\n    mode: sometimes\n', 'cameras[0].mode:'],
  ['bad duration', 'cameras:\n  - id: a\n    source: testsrc://\n    timeouts:\n      stall: soon\n', 'cameras[0].timeouts.stall: must be a duration'],
  ['limit zero', 'pipelines:\n  limit: 0\n', 'pipelines.limit:'],
  ['transcode with copy', 'cameras:\n  - id: a\n    source: testsrc://\n    transcode:\n      width: 640\n', 'cameras[0].transcode: needs video: h264'],
  ['yaml syntax', 'cameras: [\n', 'YAML:'],
  ['missing env var', 'http:\n  token: ${LOOKOUT_TOKEN}\n', 'http.token: environment variable LOOKOUT_TOKEN is not set'],
  [
    'reserved id detector',
    'cameras:\n  - id: a\n    source: testsrc://\n  - id: b\n    source: testsrc://\n  - id: detector\n    source: testsrc://\n',
    'cameras[2].id: "detector" is reserved: it is the detector\'s own topic level (lookout/detector/available)',
  ],
  ['reserved id request', 'cameras:\n  - id: request\n    source: testsrc://\n', 'cameras[0].id: "request" is reserved: it is the command request topic (lookout/request'],
  ['reserved id available', 'cameras:\n  - id: available\n    source: testsrc://\n', 'cameras[0].id: "available" is reserved: it is the availability topic level'],
  ['reserved id events', 'cameras:\n  - id: events\n    source: testsrc://\n', 'cameras[0].id: "events" is reserved: it is the events topic (lookout/events'],
  ['reserved id control', 'cameras:\n  - id: control\n    source: testsrc://\n', 'cameras[0].id: "control" is reserved: it is the NATS control subject level'],
  ['reserved id stats', 'cameras:\n  - id: stats\n    source: testsrc://\n', 'cameras[0].id: "stats" is reserved: it is kept for a stats topic'],
];

for (const [name, yaml, expected] of badConfigs) {
  void test(`bad config: ${name}`, () => {
    const issues = errorsOf(yaml);
    assert.ok(
      issues.some((issue) => issue.startsWith(expected)),
      `expected an issue starting with ${JSON.stringify(expected)}, got ${JSON.stringify(issues)}`,
    );
  });
}

void test('errors never echo a secret', () => {
  const issues = errorsOf('http:\n  token: short\ncameras:\n  - id: A\n    source: rtsp://admin:hunter22@cam/x\n  - id: b\n    source: "rtsp://admin:hunter22@cam/x y"\n');
  const text = issues.join('\n');
  assert.ok(!text.includes('hunter22'), text);
  assert.ok(!text.includes('short'), text);
  assert.match(text, /http\.token: .*\(value hidden\)/);
});

void test('secrets come from the environment', () => {
  const config = parseConfigText('http:\n  token: ${LOOKOUT_TOKEN}\ncameras:\n  - id: a\n    source: rtsp://admin:${CAM_PASS}@cam/x\n', {
    env: { LOOKOUT_TOKEN: 'a-long-token', CAM_PASS: 'pw' },
  });
  assert.equal(config.http.token, 'a-long-token');
  assert.equal(config.cameras[0]?.source, 'rtsp://admin:pw@cam/x');
});

void test('every reserved topic word is refused as a camera id, with its reason; ids around them are accepted', () => {
  for (const [word, reason] of Object.entries(TOPIC_WORD_REASONS)) {
    const issues = errorsOf(`cameras:\n  - id: ${word}\n    source: testsrc://\n`);
    assert.ok(
      issues.some((issue) => issue.startsWith(`cameras[0].id: ${JSON.stringify(word)} is reserved: ${reason}`)),
      `${word}: ${JSON.stringify(issues)}`,
    );
  }
  const config = parseConfigText('cameras:\n  - id: detector2\n    source: testsrc://\n  - id: front-request\n    source: testsrc://\n', { env: {} });
  assert.deepEqual(
    config.cameras.map((camera) => camera.id),
    ['detector2', 'front-request'],
  );
});
