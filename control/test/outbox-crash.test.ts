/**
 * Crash safety: a process holding undelivered items is SIGKILLed (no clean stop), a torn line is left
 * at the end of its last segment as if power was cut mid-write; a new outbox on the same dir skips the
 * torn line and delivers every persisted item, in order.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../common/log.ts';
import { CircuitBreaker } from '../outbox/circuit-breaker.ts';
import { Outbox, type OutboxRecord } from '../outbox/outbox.ts';
import { tempDir, until } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./fixtures/outbox-crash-child.ts', import.meta.url));

void test('SIGKILL with undelivered items plus a torn last line: the next process delivers every persisted item', async (t) => {
  const dir = tempDir(t);
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, '400'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  t.after(() => void child.kill('SIGKILL'));
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  await until(() => lines.some((line) => line.startsWith('persisted')), 20_000, 'child persisted');
  child.kill('SIGKILL');
  await exited;
  const segments = readdirSync(dir).filter((name) => name.startsWith('seg-')).sort();
  appendFileSync(join(dir, segments.at(-1) as string), '{"s":401,"i":"k400","k":"event","d":{"n"');

  const outbox = new Outbox({ dir, logger: silentLogger(), memoryItems: 10, diskBytes: 64 * 1024 * 1024, overflow: 'drop-oldest', fsync: 'never' });
  outbox.open();
  assert.equal(outbox.store.tornLines, 1);
  const received: OutboxRecord[] = [];
  outbox.addSink({ name: 'down', breaker: new CircuitBreaker({ name: 'down' }), send: async (record) => void received.push(record) });
  assert.equal(await outbox.flush(10_000), true);
  assert.deepEqual(
    received.map((record) => record.id),
    Array.from({ length: 400 }, (_, i) => `k${i}`),
  );
  await outbox.close();
});
