// cameras[].inputs through the real loader (YAML text → parseConfigText): the `source` shorthand,
// the long form with roles, the defaults, and every error with the key path it names. Camera URLs
// carry passwords, so every error case also checks that no part of a password is echoed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cameraInputs, hasSeparateDetectInput, inputWithRole } from '../config/camera-inputs.ts';
import { ConfigError, parseConfigText } from '../config/load.ts';

/** Long enough that an 80-character cut of the echoed value lands inside it. */
const PASSWORD = 'Pw9-longCameraSecret-Xq7Zt4Lm2Vb8';
const ENV = { CAM_PASSWORD: PASSWORD };
const MAIN = 'rtsp://viewer:${CAM_PASSWORD}@192.168.1.20:554/stream1';
const SUB = 'rtsp://viewer:${CAM_PASSWORD}@192.168.1.20:554/stream2';

function load(yaml: string) {
  return parseConfigText(yaml, { env: ENV });
}

/** The issues of a refused config; fails the test if it was accepted. */
function errorsOf(yaml: string): string[] {
  try {
    load(yaml);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assertNoSecret(error.message);
    return error.issues;
  }
  assert.fail('config was accepted');
}

/** Neither the password nor any 6-character piece of it appears in `text`. */
function assertNoSecret(text: string): void {
  for (let start = 0; start + 6 <= PASSWORD.length; start++) {
    const piece = PASSWORD.slice(start, start + 6);
    assert.ok(!text.includes(piece), `error text leaks "${piece}" of the password:\n${text}`);
  }
}

function camera(body: string, id = 'front'): string {
  return `cameras:\n  - id: ${id}\n${body.replace(/^/gm, '    ')}\n`;
}

void test('shorthand: one source is one input with both roles and the camera transport', () => {
  const config = load(camera(`source: ${MAIN}\nrtsp_transport: udp`));
  const cam = config.cameras[0];
  assert.ok(cam);
  assert.equal(cam.inputs, undefined);
  assert.deepEqual(cameraInputs(cam), [{ source: MAIN.replace('${CAM_PASSWORD}', PASSWORD), roles: ['stream', 'detect'], rtspTransport: 'udp', index: 0 }]);
  assert.equal(inputWithRole(cam, 'stream').index, 0);
  assert.equal(inputWithRole(cam, 'detect').index, 0);
  assert.equal(hasSeparateDetectInput(cam), false);
});

void test('long form: a main stream to publish and a sub-stream to detect on, each with its transport', () => {
  const config = load(
    camera(
      [
        'rtsp_transport: tcp',
        'inputs:',
        `  - source: ${SUB}`,
        '    roles: [detect]',
        '    rtsp_transport: udp',
        `  - source: ${MAIN}`,
        '    roles: [stream]',
      ].join('\n'),
    ),
  );
  const cam = config.cameras[0];
  assert.ok(cam);
  const main = MAIN.replace('${CAM_PASSWORD}', PASSWORD);
  const sub = SUB.replace('${CAM_PASSWORD}', PASSWORD);
  // After parsing, `source` is the stream input's, whatever the order of the inputs.
  assert.equal(cam.source, main);
  assert.deepEqual(inputWithRole(cam, 'stream'), { source: main, roles: ['stream'], rtspTransport: 'tcp', index: 1 });
  assert.deepEqual(inputWithRole(cam, 'detect'), { source: sub, roles: ['detect'], rtspTransport: 'udp', index: 0 });
  assert.equal(hasSeparateDetectInput(cam), true);
  assert.equal(cameraInputs(cam).length, 2);
});

void test('defaults: a single input without roles gets both; an input can hold both roles beside a spare one', () => {
  const single = load(camera(`inputs:\n  - source: ${MAIN}`)).cameras[0];
  assert.ok(single);
  assert.deepEqual(single.inputs?.[0]?.roles, ['stream', 'detect']);
  assert.equal(single.inputs?.[0]?.rtsp_transport, undefined);
  assert.equal(inputWithRole(single, 'detect').rtspTransport, 'tcp', "an input without rtsp_transport takes the camera's (default tcp)");
  assert.equal(hasSeparateDetectInput(single), false);

  // An input listed with both roles serves both; another input claiming one of them is refused.
  const both = load(camera(['inputs:', `  - source: ${MAIN}`, '    roles: [stream, detect]'].join('\n'))).cameras[0];
  assert.ok(both);
  assert.equal(inputWithRole(both, 'stream').index, inputWithRole(both, 'detect').index);
  const errors = errorsOf(camera(['inputs:', `  - source: ${MAIN}`, '    roles: [stream, detect]', '  - source: testsrc://', '    roles: [detect]'].join('\n')));
  assert.ok(errors.some((issue) => issue.startsWith('cameras[0].inputs: exactly one input must have the role "detect" (inputs 0 and 1 both have it)')), JSON.stringify(errors));
});

/** [what, camera body (or whole YAML when it starts with "cameras:"), the issue it must produce]. */
const refused: Array<[string, string, string]> = [
  ['no detect input', `inputs:\n  - source: ${MAIN}\n    roles: [stream]\n  - source: ${SUB}\n    roles: [stream]`, 'cameras[0].inputs: exactly one input must have the role "detect" (no input has it)'],
  ['two stream inputs', `inputs:\n  - source: ${MAIN}\n    roles: [stream]\n  - source: ${SUB}\n    roles: [stream]`, 'cameras[0].inputs: exactly one input must have the role "stream" (inputs 0 and 1 both have it)'],
  ['a detect-only single input', `inputs:\n  - source: ${SUB}\n    roles: [detect]`, 'cameras[0].inputs: exactly one input must have the role "stream" (no input has it)'],
  ['both source and inputs', `source: ${MAIN}\ninputs:\n  - source: ${SUB}`, 'cameras[0].inputs: set either source (one input) or inputs (several, with roles), not both'],
  ['neither source nor inputs', 'mode: always', 'cameras[0].source: a camera needs a source (or inputs with roles)'],
  ['a role listed twice in one input', `inputs:\n  - source: ${MAIN}\n    roles: [stream, stream]\n  - source: ${SUB}\n    roles: [detect]`, 'cameras[0].inputs[0].roles: a role is listed twice'],
  ['an unknown role', `inputs:\n  - source: ${MAIN}\n    roles: [stream, record]\n  - source: ${SUB}\n    roles: [detect]`, 'cameras[0].inputs[0].roles[1]: expected one of "stream"|"detect" (got "record")'],
  ['an empty role list', `inputs:\n  - source: ${MAIN}\n    roles: []\n  - source: ${SUB}\n    roles: [detect]`, 'cameras[0].inputs[0].roles: Too small'],
  ['a bad scheme in inputs[1].source', `inputs:\n  - source: ${MAIN}\n    roles: [stream]\n  - source: ftp://viewer:\${CAM_PASSWORD}@192.168.1.20/stream2\n    roles: [detect]`, 'cameras[0].inputs[1].source: must be an rtsp(s)://, http(s)://, rtmp(s)://, v4l2:///dev/..., file:///... or testsrc:// source (got "ftp://viewer:***@192.168.1.20/stream2")'],
  ['no host in inputs[1].source', `inputs:\n  - source: ${MAIN}\n    roles: [stream]\n  - source: rtsp://viewer:\${CAM_PASSWORD}@:554/stream2\n    roles: [detect]`, 'cameras[0].inputs[1].source: must be a valid URL with a host name (got "rtsp://viewer:***@:554/stream2")'],
  ['an unknown key in an input', `inputs:\n  - source: ${MAIN}\n    path: /x`, 'cameras[0].inputs[0].path: unknown key'],
  ['a bad transport in an input', `inputs:\n  - source: ${MAIN}\n    rtsp_transport: http`, 'cameras[0].inputs[0].rtsp_transport: expected one of "tcp"|"udp" (got "http")'],
  ['no inputs at all', 'inputs: []', 'cameras[0].inputs: Too small: expected array to have >=1 items'],
  [
    'more than two inputs',
    `inputs:\n  - source: ${MAIN}\n    roles: [stream]\n${[1, 2].map((n) => `  - source: rtsp://viewer:\${CAM_PASSWORD}@192.168.1.2${n}/s\n    roles: [detect]`).join('\n')}`,
    'cameras[0].inputs: at most two inputs: one with the role "stream" and one with "detect" (or one input with both)',
  ],
  [
    'the path names the camera',
    `cameras:\n  - id: a\n    source: testsrc://\n  - id: b\n    inputs:\n      - source: ${MAIN}\n        roles: [stream]\n      - source: "${SUB} x"\n        roles: [detect]\n`,
    'cameras[1].inputs[1].source: must be an rtsp(s)://',
  ],
  ['a missing environment variable in an input', `inputs:\n  - source: ${MAIN}\n    roles: [stream]\n  - source: rtsp://viewer:\${SUB_PASSWORD}@192.168.1.20/stream2\n    roles: [detect]`, 'cameras[0].inputs[1].source: environment variable SUB_PASSWORD is not set'],
];

for (const [what, body, expected] of refused) {
  void test(`refused: ${what} → ${expected.split(':')[0] ?? ''}`, () => {
    const issues = errorsOf(body.startsWith('cameras:') ? body : camera(body));
    assert.ok(
      issues.some((issue) => issue.replace('Invalid option: ', '').startsWith(expected)),
      `expected an issue starting with ${JSON.stringify(expected)}, got ${JSON.stringify(issues, null, 1)}`,
    );
  });
}

void test('no piece of a password is echoed, wherever the 80-character cut of a long value falls', () => {
  // The echoed value (the inputs array) is cut at 80 characters; move the password across the cut.
  for (let pad = 0; pad < 80; pad++) {
    errorsOf(camera(`inputs:\n  - source: rtsp://h/${'x'.repeat(pad)}\n    roles: [stream]\n  - source: ${SUB}\n    roles: [stream]`));
    errorsOf(camera(`source: rtsp://viewer:\${CAM_PASSWORD}@:554/${'x'.repeat(pad)}`));
  }
});

void test('a password with characters a URL does not allow there (/, @, space) is not echoed either', () => {
  for (const password of [`${PASSWORD}/a`, `a/${PASSWORD}`, `${PASSWORD}@b`, `a@${PASSWORD}`, `a ${PASSWORD}`]) {
    const yaml = camera(`inputs:\n  - source: ${MAIN}\n    roles: [stream]\n  - source: "rtsp://viewer:${password}@cam.local/stream2 x"\n    roles: [detect]`);
    try {
      parseConfigText(yaml, { env: ENV });
      assert.fail('config was accepted');
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(error.message, /cameras\[0\]\.inputs\[1\]\.source: /);
      assertNoSecret(error.message);
    }
  }
});
