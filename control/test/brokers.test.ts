/** The broker helpers themselves: real processes on free loopback ports, restartable, and gone after dispose. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startLeafPair, startMosquitto, startNatsServer } from '../../test/support/brokers.ts';

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    // A zombie is dead for our purposes.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

void test('mosquitto, nats-server and a leaf pair start, restart on the same port, and leave nothing behind', async () => {
  const mosquitto = await startMosquitto();
  const nats = await startNatsServer();
  const pair = await startLeafPair();
  const pids = [mosquitto.pid, nats.pid, pair.hub.pid, pair.edge.pid];
  assert.ok(pids.every(alive));
  const port = mosquitto.port;
  await mosquitto.restart();
  assert.equal(mosquitto.port, port);
  assert.ok(alive(mosquitto.pid));
  pids.push(mosquitto.pid);
  await Promise.all([mosquitto.dispose(), nats.dispose(), pair.dispose()]);
  assert.deepEqual(pids.filter(alive), [], 'no broker process left');
  assert.ok(![mosquitto.dir, nats.dir, pair.hub.dir, pair.edge.dir].some(existsSync), 'temp dirs removed');
});
