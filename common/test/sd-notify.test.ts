import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FakeNotifySocket } from '../../appliance/test/fake-notify-socket.ts';
import { SdNotify, watchdogInterval } from '../sd-notify.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function blockLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: the event loop cannot run timers
  }
}

void test('without NOTIFY_SOCKET every call is a no-op', async () => {
  const notify = new SdNotify({ env: { WATCHDOG_USEC: '1000000' } });
  assert.equal(notify.enabled, false);
  assert.equal(notify.watchdogIntervalMs, undefined);
  assert.equal(await notify.ready('up'), false);
  notify.startWatchdog();
  assert.equal(await notify.stopping(), false);
  assert.deepEqual(notify.stats.sent, 0);
});

void test('READY, STATUS and STOPPING reach the socket through systemd-notify (barrier answered), in order', async () => {
  const socket = await FakeNotifySocket.start();
  try {
    const notify = new SdNotify({ env: { ...process.env, NOTIFY_SOCKET: socket.path } });
    // Not awaited one by one: sends still arrive in call order.
    const sent = await Promise.all([notify.ready('gateway up: 2 cameras'), notify.status('detector restarting'), notify.stopping('stopping')]);
    assert.deepEqual(sent, [true, true, true]);
    await socket.waitFor('STOPPING=1');
    const texts = socket.messages.map((message) => message.msg);
    assert.deepEqual(texts, ['READY=1\nSTATUS=gateway up: 2 cameras', 'STATUS=detector restarting', 'STOPPING=1\nSTATUS=stopping']);
    assert.equal(notify.stats.sent, 3);
  } finally {
    await socket.close();
  }
});

void test('WATCHDOG=1 pings at half of WATCHDOG_USEC, stop while the loop is blocked, and the next one is skipped', async () => {
  const socket = await FakeNotifySocket.start();
  const notify = new SdNotify({
    env: { ...process.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '600000', WATCHDOG_PID: String(process.pid) },
    maxLoopDelayMs: 500,
  });
  try {
    assert.equal(notify.watchdogIntervalMs, 300);
    notify.startWatchdog();
    await socket.waitFor('WATCHDOG=1');
    await sleep(700);
    const blockStart = Date.now();
    blockLoop(1500);
    const blockEnd = Date.now();
    await sleep(1200);
    notify.stopWatchdog();
    await notify.close();
    const pings = socket.having('WATCHDOG=1').map((message) => message.t);
    // A helper spawned just before the block may still land shortly after it started.
    const duringBlock = pings.filter((t) => t > blockStart + 400 && t < blockEnd);
    assert.deepEqual(duringBlock, [], `pings while blocked: ${JSON.stringify(pings)} block ${blockStart}..${blockEnd}`);
    assert.ok(notify.stats.skipped['loop-delay'] >= 1, `skips: ${JSON.stringify(notify.stats.skipped)}`);
    assert.ok(pings.some((t) => t > blockEnd), 'pings resume once the loop is healthy again');
    assert.ok(pings.some((t) => t < blockStart), 'pings before the block');
  } finally {
    notify.stopWatchdog();
    await socket.close();
  }
});

void test('a failing health check suppresses WATCHDOG=1', async () => {
  const socket = await FakeNotifySocket.start();
  let healthy = false;
  const notify = new SdNotify({
    env: { ...process.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '300000' },
    healthCheck: () => healthy,
  });
  try {
    await notify.ready();
    notify.startWatchdog();
    await sleep(800);
    assert.equal(socket.having('WATCHDOG=1').length, 0);
    assert.ok(notify.stats.skipped['health-check'] >= 2);
    healthy = true;
    await socket.waitFor('WATCHDOG=1', 5000);
  } finally {
    await notify.close();
    await socket.close();
  }
});

void test('WATCHDOG_PID of another process disables pings (a supervised child inherited the variables)', () => {
  assert.equal(watchdogInterval({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '1' }, 4242), undefined);
  assert.equal(watchdogInterval({ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '4242' }, 4242), 10_000);
  assert.equal(watchdogInterval({ WATCHDOG_USEC: '20000000' }, 4242), 10_000);
  assert.equal(watchdogInterval({ WATCHDOG_USEC: 'x' }, 4242), undefined);
});

void test('a send that hangs is killed at its deadline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-sdn-'));
  try {
    const hanging = join(dir, 'systemd-notify');
    writeFileSync(hanging, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(hanging, 0o755);
    const problems: string[] = [];
    const notify = new SdNotify({ env: { NOTIFY_SOCKET: join(dir, 'nobody.sock') }, command: hanging, sendTimeoutMs: 300, onProblem: (m) => problems.push(m) });
    const started = Date.now();
    assert.equal(await notify.ready(), false);
    assert.ok(Date.now() - started < 3000);
    assert.equal(notify.stats.failed, 1);
    assert.match(problems[0] ?? '', /READY,?.*no answer within 300 ms/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('without the systemd-notify binary a python3 sender is used', async () => {
  const socket = await FakeNotifySocket.start();
  try {
    const notify = new SdNotify({ env: { ...process.env, NOTIFY_SOCKET: socket.path }, command: '/nonexistent/systemd-notify' });
    assert.equal(await notify.ready(), true);
    await socket.waitFor('READY=1');
  } finally {
    await socket.close();
  }
});
