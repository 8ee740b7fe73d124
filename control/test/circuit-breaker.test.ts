import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { CircuitBreaker, circuitGauge } from '../outbox/circuit-breaker.ts';

void test('closed → open after N failures → half-open after cooldown → closed on success (gauge follows)', async () => {
  let now = 1000;
  const registry = new Registry();
  const breaker = new CircuitBreaker({ name: 'mqtt', failureThreshold: 3, cooldownMs: 500, now: () => now, gauge: circuitGauge(registry) });
  const gauge = async () => (await registry.getSingleMetric('lookout_sink_circuit_state')?.get())?.values[0]?.value;
  assert.equal(breaker.state, 'closed');
  breaker.failure();
  breaker.failure();
  assert.equal(breaker.state, 'closed');
  breaker.failure();
  assert.equal(breaker.state, 'open');
  assert.equal(await gauge(), 2);
  assert.equal(breaker.allow(), false);
  assert.equal(breaker.retryInMs, 500);
  now += 499;
  assert.equal(breaker.allow(), false);
  now += 1;
  assert.equal(breaker.state, 'half-open');
  assert.equal(await gauge(), 1);
  assert.equal(breaker.allow(), true, 'one probe goes through');
  assert.equal(breaker.allow(), false, 'a second concurrent probe does not');
  breaker.failure();
  assert.equal(breaker.state, 'open', 'a failed probe re-opens');
  now += 500;
  assert.equal(breaker.allow(), true);
  breaker.success();
  assert.equal(breaker.state, 'closed');
  assert.equal(await gauge(), 0);
  assert.equal(breaker.allow(), true);
});

void test('success in closed state resets the consecutive failure count', () => {
  const breaker = new CircuitBreaker({ name: 'x', failureThreshold: 2 });
  breaker.failure();
  breaker.success();
  breaker.failure();
  assert.equal(breaker.state, 'closed');
});
