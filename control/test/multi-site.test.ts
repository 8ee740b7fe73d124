/**
 * Multi-site path (docs/multi-site.md): two local nats-servers, an edge joined to a hub as a leaf
 * node, each with its own JetStream domain. Live detections published at the edge reach a hub
 * subscriber; events go into the edge's JetStream stream (published by a real control plane), and a
 * hub stream sources it across the leaf connection, so events published while the hub is down are
 * held at the edge and arrive at the hub after it returns.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { silentLogger } from '../../common/log.ts';
import { startLeafPair, waitFor } from '../../test/support/brokers.ts';
import { ControlPlane } from '../control-plane.ts';
import { FakeDetectControl } from './fake-controls.ts';
import { tempDir, testConfig } from './helpers.ts';

void test('edge → hub over a leaf node: live detections, and events held at the edge while the hub is down', { timeout: 120_000 }, async (t) => {
  const pair = await startLeafPair();
  t.after(() => pair.dispose());
  const config = testConfig({ stateDir: tempDir(t), natsUrl: pair.edge.url, jetstream: true, site: 'edge1', cameras: [{ id: 'cam1' }] });
  const plane = new ControlPlane({ config, logger: silentLogger(), detect: new FakeDetectControl(['cam1']), registry: new Registry(), reconnectMs: 200 });
  await plane.start();
  t.after(() => plane.stop(2000).then(() => undefined));

  // Live path: a hub subscriber sees detections published at the edge once the leaf link is up.
  const hubClient = await connect({ servers: pair.hub.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
  t.after(() => hubClient.close());
  const detections: string[] = [];
  hubClient.subscribe('lookout.edge1.*.detections', {
    callback: (_error, msg) => {
      detections.push(msg.string());
    },
  });
  await hubClient.flush();
  await waitFor(
    () => {
      plane.frame({ camera: 'cam1' });
      return detections.length > 0;
    },
    20_000,
    'leaf link carrying detections',
  );
  assert.equal(JSON.parse(detections[0] ?? '{}').camera, 'cam1');

  // Durable path: the hub sources the edge's event stream through the edge JetStream domain.
  const emit = (from: number, count: number) => {
    for (let i = from; i < from + count; i++) {
      plane.event({ type: 'new', id: i, camera: 'cam1', label: 'car', score: 0.7, box: [0, 0, 1, 1], firstSeen: 1_700_000_000_000, lastSeen: 1_700_000_000_000 });
    }
  };
  emit(0, 10);
  assert.equal(await plane.outbox.flush(10_000), true, 'edge JetStream acked the first events');
  const hubJsm = await jetstreamManager(hubClient);
  await hubJsm.streams.add({
    name: 'HUB_EVENTS',
    subjects: [],
    sources: [{ name: 'LOOKOUT_EVENTS', external: { api: '$JS.edge.API', deliver: '' } }],
  });
  const hubCount = async () => (await hubJsm.streams.info('HUB_EVENTS')).state.messages;
  await waitFor(async () => (await hubCount()) >= 10, 20_000, 'hub sourced the first events');

  await pair.hub.stop();
  emit(10, 15);
  assert.equal(await plane.outbox.flush(10_000), true, 'with the hub down the edge still acks (held in edge JetStream)');
  const edgeClient = await connect({ servers: pair.edge.url });
  t.after(() => edgeClient.close());
  assert.equal((await (await jetstreamManager(edgeClient)).streams.info('LOOKOUT_EVENTS')).state.messages, 25);

  await pair.hub.start();
  await waitFor(async () => (await hubCount().catch(() => 0)) >= 25, 30_000, 'hub caught up after it returned');
  const info = await hubJsm.streams.info('HUB_EVENTS');
  assert.equal(info.state.messages, 25, 'each event exactly once at the hub');
  const ids = new Set<string>();
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const message = await hubJsm.streams.getMessage('HUB_EVENTS', { seq });
    ids.add((message?.json() as { after: { id: string } }).after.id);
  }
  assert.equal(ids.size, 25);
});
