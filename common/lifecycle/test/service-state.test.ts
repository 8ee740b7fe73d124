import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceAlreadyStartedError, ServiceState, ServiceStoppedError } from '../service-state.ts';

void test('phases: idle → starting → running → stopping → stopped; closed resolves after the drain', async () => {
  const state = new ServiceState('thing');
  assert.equal(state.phase, 'idle');
  const signal = state.beginStart();
  assert.equal(state.phase, 'starting');
  state.started();
  assert.equal(state.phase, 'running');
  let drained = false;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const stopping = state.stop(async () => {
    await gate;
    drained = true;
  });
  assert.equal(state.phase, 'stopping');
  assert.equal(signal.aborted, true);
  assert.ok(signal.reason instanceof ServiceStoppedError);
  let closed = false;
  void state.closed.then(() => (closed = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed, false, 'closed must wait for the drain');
  release();
  await stopping;
  assert.equal(drained, true);
  await state.closed;
  assert.equal(state.phase, 'stopped');
});

void test('concurrent and late stop() calls get the same promise and the drain runs once', async () => {
  const state = new ServiceState('thing');
  state.beginStart();
  state.started();
  let runs = 0;
  const drain = async () => {
    runs++;
    await new Promise((resolve) => setImmediate(resolve));
  };
  const a = state.stop(drain);
  const b = state.stop(drain);
  assert.equal(a, b);
  await Promise.all([a, b]);
  assert.equal(state.stop(drain), a);
  assert.equal(runs, 1);
});

void test('start after stop is refused with ServiceStoppedError naming the service; a second start with ServiceAlreadyStartedError', async () => {
  const state = new ServiceState('mediamtx sidecar');
  state.beginStart();
  assert.throws(() => state.beginStart(), ServiceAlreadyStartedError);
  await state.stop(async () => {});
  assert.throws(() => state.beginStart(), (error: unknown) => error instanceof ServiceStoppedError && /mediamtx sidecar/.test(error.message));
});

void test('stop during start: started() refuses, so a start that lost the race cannot claim running', async () => {
  const state = new ServiceState('thing');
  state.beginStart();
  const stopping = state.stop(async () => {});
  assert.throws(() => state.started(), ServiceStoppedError);
  assert.throws(() => state.assertNotStopped(), ServiceStoppedError);
  await stopping;
});

void test('a failing drain rejects stop() for every caller but still resolves closed', async () => {
  const state = new ServiceState('thing');
  const failure = new Error('drain failed');
  const a = state.stop(async () => {
    throw failure;
  });
  const b = state.stop(async () => {});
  await assert.rejects(a, failure);
  await assert.rejects(b, failure);
  await state.closed;
  assert.equal(state.phase, 'stopped');
});

void test("a drain's result reaches every caller through the one memoized promise", async () => {
  const state = new ServiceState<{ drained: boolean }>('thing');
  let runs = 0;
  const drain = async () => {
    runs++;
    await new Promise((resolve) => setImmediate(resolve));
    return { drained: false };
  };
  const a = state.stop(drain);
  assert.equal(state.stop(async () => ({ drained: true })), a, 'a later drain is not run and its result not used');
  assert.deepEqual(await a, { drained: false });
  assert.equal(runs, 1);
});
