import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { HTTP_STATUS, replyHttpStatus } from '../../common/http/error-envelope.ts';
import { CommandTable, type StateChange } from '../commands/command-table.ts';
import { commandRoutes } from '../commands/http-commands.ts';
import { FakeDetectControl, FakeStreamControl } from './fake-controls.ts';

const CAMERAS = ['cam1', 'cam2', 'cam3'];

function makeTable(options: { timeoutMs?: number } = {}) {
  const stream = new FakeStreamControl(CAMERAS);
  const detect = new FakeDetectControl(CAMERAS);
  const changes: StateChange[] = [];
  const table = new CommandTable({
    cameras: CAMERAS,
    stream,
    detect,
    commandTimeoutMs: options.timeoutMs ?? 5000,
    onState: (change) => changes.push(change),
  });
  return { table, stream, detect, changes };
}

void test('bad input table: each gets an error reply with the right code, never a throw', async () => {
  const { table } = makeTable();
  const cases: Array<[unknown, string]> = [
    [null, 'bad_request'],
    ['stream.pause', 'bad_request'],
    [[], 'bad_request'],
    [{}, 'bad_request'],
    [{ command: 'stream.pause' }, 'bad_request'],
    [{ command: 42, camera: 'cam1' }, 'bad_request'],
    [{ command: 'stream.pause', camera: ['cam1'] }, 'bad_request'],
    [{ command: 'stream.pause', camera: 'cam1', extra: true }, 'bad_request'],
    [{ command: 'stream.pause', camera: 'cam1', id: { nested: 1 } }, 'bad_request'],
    [{ command: 'stream.explode', camera: 'cam1' }, 'unknown_command'],
    [{ command: 'stream.pause', camera: 'nope' }, 'unknown_camera'],
    [{ command: 'x'.repeat(1_000_000), camera: 'cam1' }, 'bad_request'],
  ];
  for (const [payload, code] of cases) {
    const reply = await table.execute(payload);
    assert.equal(reply.status, 'error', JSON.stringify(payload)?.slice(0, 80));
    assert.equal(reply.error?.code, code, JSON.stringify(payload)?.slice(0, 80));
    assert.ok(reply.error?.message.length);
  }
  const ok = await table.execute({ command: 'status', camera: 'cam1', id: 'r1' });
  assert.equal(ok.status, 'ok');
  assert.equal(ok.id, 'r1');
});

void test('request id is echoed on errors when it is readable', async () => {
  const { table } = makeTable();
  const reply = await table.execute({ command: 'nope', camera: 'cam1', id: 7 });
  assert.deepEqual(reply, { status: 'error', error: { code: 'unknown_command', message: reply.error?.message }, id: 7 });
});

void test('commands for one camera reach the service in arrival order and never interleave (its queue); the last command wins', async () => {
  const { table, stream, changes } = makeTable();
  stream.delayMs = 5;
  const commands = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 'stream.resume' : 'stream.pause'));
  commands.push('stream.resume');
  const replies = await Promise.all(commands.map((command, i) => table.execute({ command, camera: 'cam1', id: i })));
  assert.ok(replies.every((reply) => reply.status === 'ok'));
  assert.equal(stream.maxConcurrentPerCamera, 1);
  assert.equal(stream.state.get('cam1'), 'running');
  assert.deepEqual(changes.at(-1), { camera: 'cam1', kind: 'stream', on: true });
  // Calls ran in arrival order.
  assert.deepEqual(
    stream.calls,
    commands.map((command) => `${command === 'stream.resume' ? 'resume' : 'pause'}:cam1`),
  );
  await table.idle();
  assert.equal(table.busyCameras, 0);
});

void test('all-cameras form runs per camera and reports per camera', async () => {
  const { table, detect } = makeTable();
  const reply = await table.execute({ command: 'detect.off', camera: '*', id: 'a' });
  assert.equal(reply.status, 'ok');
  assert.deepEqual(Object.keys(reply.data as object).sort(), CAMERAS);
  assert.ok(CAMERAS.every((camera) => detect.enabled.get(camera) === false));
  const token = await table.execute({ command: 'detect.on', camera: 'ALL' });
  assert.equal(token.status, 'ok');
  assert.ok(CAMERAS.every((camera) => detect.enabled.get(camera) === true));
});

void test('a hung service call becomes a timeout reply and frees the camera', async () => {
  const { table, detect } = makeTable({ timeoutMs: 100 });
  detect.hang = true;
  const reply = await table.execute({ command: 'detect.off', camera: 'cam2' });
  assert.equal(reply.error?.code, 'timeout');
  detect.hang = false;
  const next = await table.execute({ command: 'detect.off', camera: 'cam2' });
  assert.equal(next.status, 'ok');
});

void test('service errors map to codes; a process without a control answers unsupported', async () => {
  const stream = new FakeStreamControl(['cam1']);
  const table = new CommandTable({ cameras: ['cam1', 'ghost'], stream });
  const unknown = await table.execute({ command: 'stream.pause', camera: 'ghost' });
  assert.equal(unknown.error?.code, 'unknown_camera');
  const unsupported = await table.execute({ command: 'detect.on', camera: 'cam1' });
  assert.equal(unsupported.error?.code, 'unsupported');
  assert.equal(table.handles('detect.on'), false);
  assert.equal(table.handles('stream.pause'), true);
});

void test('HTTP adapter: POST /api/v1/commands returns the envelope with status codes', async (t) => {
  const { table, stream } = makeTable();
  const app = Fastify({ bodyLimit: 4096 });
  t.after(() => app.close());
  await app.register(commandRoutes, { table });
  const ok = await app.inject({ method: 'POST', url: '/api/v1/commands', payload: { command: 'stream.pause', camera: 'cam3', id: 'h1' } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { status: 'ok', data: { camera: 'cam3', stream: 'OFF', result: { state: 'paused' } }, id: 'h1' });
  assert.equal(stream.state.get('cam3'), 'paused');
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/commands', payload: { command: 'stream.pause', camera: 'zzz' } });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.code, 'unknown_camera');
  const malformed = await app.inject({
    method: 'POST',
    url: '/api/v1/commands',
    headers: { 'content-type': 'application/json' },
    payload: '{"command": ',
  });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().error.code, 'bad_json');
  const big = await app.inject({
    method: 'POST',
    url: '/api/v1/commands',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ command: 'status', camera: 'cam1', pad: 'x'.repeat(1_000_000) }),
  });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error.code, 'payload_too_large');
  const after = await app.inject({ method: 'POST', url: '/api/v1/commands', payload: { command: 'status', camera: 'cam1' } });
  assert.equal(after.statusCode, 200);
});

void test('reply → HTTP status: 200 for ok, the code\'s status for the table\'s errors, 500 for a missing or foreign code', async () => {
  const stream = new FakeStreamControl(['cam1']);
  const table = new CommandTable({ cameras: ['cam1', 'ghost'], stream });
  const cases: Array<[unknown, number]> = [
    [{ command: 'stream.pause', camera: 'cam1' }, 200],
    [{ command: 'stream.pause', camera: 'ghost' }, 404],
    [{ command: 'stream.pause', camera: 'nowhere' }, 404],
    [{ command: 'no.such', camera: 'cam1' }, 404],
    [{ command: 'detect.on', camera: 'cam1' }, 501],
    [{}, 400],
  ];
  for (const [payload, status] of cases) {
    const reply = await table.execute(payload);
    assert.equal(replyHttpStatus(reply), status, JSON.stringify({ payload, reply }));
    if (reply.error) assert.equal(status, HTTP_STATUS[reply.error.code]);
  }
  assert.equal(replyHttpStatus({ status: 'error' }), 500);
  assert.equal(replyHttpStatus({ status: 'error', error: { code: 'ENOENT', message: 'x' } }), 500);
  assert.equal(replyHttpStatus({ status: 'error', error: { code: 'conflict', message: 'x' } }), 409);
});
