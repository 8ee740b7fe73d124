/**
 * `npm run bench:control`: 1000 pause/resume cycles over MQTT (JSON request, MQTT 5 response topic)
 * and over NATS request/reply against real mosquitto and nats-server, through a real ControlPlane
 * with a named fake StreamControl. Prints ONE JSON object: latency p50/p99 per transport and leak
 * counts (listeners, active handles, fds, rss growth, busy camera chains).
 * Env: BENCH_CYCLES (default 1000).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import { Registry } from 'prom-client';
import { parseConfig } from '../../common/config/load.ts';
import { silentLogger } from '../../common/log.ts';
import { ControlPlane } from '../../control/control-plane.ts';
import { FakeStreamControl } from '../../control/test/fake-controls.ts';
import { startMosquitto, startNatsServer } from '../../test/support/brokers.ts';

const CYCLES = Number(process.env.BENCH_CYCLES ?? 1000);

// A real GC before each snapshot, without needing --expose-gc on the npm script.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Lets in-flight publish deadlines (cleared on ack) settle before counting handles. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  collectGarbage();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return Number((sorted[index] ?? 0).toFixed(3));
}

function snapshot(plane: ControlPlane) {
  const client = plane.mqtt?.client;
  return {
    listeners: client ? client.eventNames().reduce((sum, name) => sum + client.listenerCount(name), 0) : 0,
    handles: process.getActiveResourcesInfo().length,
    fds: readdirSync('/proc/self/fd').length,
    rssMb: process.memoryUsage().rss / 1024 / 1024,
    heapMb: process.memoryUsage().heapUsed / 1024 / 1024,
  };
}

const mosquitto = await startMosquitto({ persistence: false });
const nats = await startNatsServer();
const stateDir = mkdtempSync(join(tmpdir(), 'lookout-bench-control-'));
const stream = new FakeStreamControl(['cam1']);
const plane = new ControlPlane({
  config: parseConfig(
    {
      instance_id: 'bench',
      state_dir: stateDir,
      cameras: [{ id: 'cam1', source: 'testsrc://' }],
      mqtt: { url: mosquitto.url, home_assistant: { enabled: false } },
      nats: { servers: [nats.url], site: 'bench' },
    },
    { env: {} },
  ),
  logger: silentLogger(),
  stream,
  registry: new Registry(),
});
const result: Record<string, unknown> = { cycles: CYCLES };
try {
  await plane.start();
  const client = await mqtt.connectAsync(mosquitto.url, { protocolVersion: 5 });
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const nc = await connect({ servers: nats.url });
  const responseTopic = `bench/replies/${randomUUID()}`;
  const waiting = new Map<string, () => void>();
  client.on('message', (_topic, _payload, packet) => {
    const key = packet.properties?.correlationData?.toString() ?? '';
    waiting.get(key)?.();
    waiting.delete(key);
  });
  await client.subscribeAsync(responseTopic, { qos: 1 });
  const mqttRequest = (command: string) =>
    new Promise<void>((resolve) => {
      const key = randomUUID();
      waiting.set(key, resolve);
      client.publish(`lookout/request/${command}`, '{"camera":"cam1"}', { qos: 1, properties: { responseTopic, correlationData: Buffer.from(key) } });
    });

  // Warm up both paths, then take the baseline.
  for (let i = 0; i < 20; i++) {
    await mqttRequest(i % 2 ? 'stream/resume' : 'stream/pause');
    await nc.request(`lookout.bench.control.cam1.${i % 2 ? 'resume' : 'pause'}`, '', { timeout: 5000 });
  }
  await settle();
  const before = snapshot(plane);
  const latencies: Record<'mqtt' | 'nats', number[]> = { mqtt: [], nats: [] };
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    for (const verb of ['pause', 'resume']) {
      let started = performance.now();
      await mqttRequest(`stream/${verb}`);
      latencies.mqtt.push(performance.now() - started);
      started = performance.now();
      const reply = await nc.request(`lookout.bench.control.cam1.${verb}`, '', { timeout: 5000 });
      latencies.nats.push(performance.now() - started);
      if ((reply.json() as { status: string }).status !== 'ok') throw new Error(`nats ${verb} failed`);
    }
  }
  await plane.table.idle();
  await settle();
  const afterSnapshot = snapshot(plane);
  for (const transport of ['mqtt', 'nats'] as const) {
    result[transport] = { p50_ms: percentile(latencies[transport], 50), p99_ms: percentile(latencies[transport], 99), commands: latencies[transport].length };
  }
  result.final_state = stream.state.get('cam1');
  result.leaks = {
    listeners: afterSnapshot.listeners - before.listeners,
    handles: afterSnapshot.handles - before.handles,
    fds: afterSnapshot.fds - before.fds,
    rss_growth_mb: Number((afterSnapshot.rssMb - before.rssMb).toFixed(1)),
    heap_growth_mb: Number((afterSnapshot.heapMb - before.heapMb).toFixed(2)),
    busy_camera_chains: plane.table.busyCameras,
    pending_replies: waiting.size,
  };
  await client.endAsync();
  await nc.close();
} finally {
  await plane.stop(2000);
  await Promise.all([mosquitto.dispose(), nats.dispose()]);
  rmSync(stateDir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(result)}\n`);
