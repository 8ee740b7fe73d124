import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../backoff.ts';

void test('doubles from initial to the cap with half-step jitter', () => {
  const low = new Backoff({ initialMs: 100, maxMs: 1000, resetAfterMs: 60_000, random: () => 0 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => low.next()), [50, 100, 200, 400, 500, 500]);
  const high = new Backoff({ initialMs: 100, maxMs: 1000, resetAfterMs: 60_000, random: () => 1 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => high.next()), [100, 200, 400, 800, 1000, 1000]);
});

void test('jitter spreads delays within [step/2, step]', () => {
  const backoff = new Backoff({ initialMs: 1000, maxMs: 1000, resetAfterMs: 60_000 });
  const delays = Array.from({ length: 200 }, () => backoff.next());
  assert.ok(delays.every((ms) => ms >= 500 && ms <= 1000));
  assert.ok(new Set(delays).size > 20, 'delays are not all the same');
});

void test('a run that stayed up for resetAfterMs resets the sequence; reset() does too', () => {
  const backoff = new Backoff({ initialMs: 100, maxMs: 10_000, resetAfterMs: 5000, random: () => 1 });
  backoff.next();
  backoff.next();
  assert.equal(backoff.next(4999), 400, 'a short run keeps growing');
  assert.equal(backoff.next(5000), 100, 'a stable run starts over');
  backoff.next();
  backoff.reset();
  assert.equal(backoff.attempt, 0);
  assert.equal(backoff.next(), 100);
});

void test('rejects nonsense options, naming them', () => {
  assert.throws(() => new Backoff({ initialMs: 0, maxMs: 10, resetAfterMs: 1 }), /initialMs=0/);
  assert.throws(() => new Backoff({ initialMs: 100, maxMs: 10, resetAfterMs: 1 }), /maxMs=10/);
});
