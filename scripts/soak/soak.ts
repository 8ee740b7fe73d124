/**
 * `npm run soak -- --minutes N [--seed S]`: the chaos soak. Runs the real `lookout up` with
 * mosquitto, nats-server (JetStream) and 4 cameras (rig.ts), injects seeded random faults
 * (faults.ts) while checking invariants continuously (monitor.ts, checks.ts), then stops the
 * appliance, checks that nothing it started survives and that every produced event reached MQTT
 * and JetStream, prints one JSON object and exits non-zero on any violation. Ctrl-C, SIGTERM or a
 * failure still tear everything down (brokers, children, the tmpfs mount).
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import { checkDelivery, GrowthCheck, HealthCheck, OrphanCheck, SlotCheck, ViolationLog } from './checks.ts';
import { MqttEventCollector, producedEventIds, readJetStream } from './delivery.ts';
import { FAULT_KINDS, injectFault, type FaultKind } from './faults.ts';
import { Monitor } from './monitor.ts';
import { SeededRandom, ShuffleBag } from './random.ts';
import { SLOT_LIMIT, STOP_GRACE_MS, startRig, type Rig } from './rig.ts';

/** Growth allowed after warm-up (per process): V8 and onnxruntime settle within it on this machine. */
const MAX_RSS_GROWTH_MB = 48;
const MAX_FD_GROWTH = 16;
/** Quiet time at the end (no faults, brokers up) for the outbox to deliver what it holds. */
const SETTLE_MS = 25_000;
/** The last part of the settle time, with every source stopped. */
const QUIET_END_MS = 10_000;

function options(): { minutes: number; seed: number } {
  const { values } = parseArgs({ options: { minutes: { type: 'string', default: '2' }, seed: { type: 'string' } } });
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes < 0.5 || minutes > 24 * 60) throw new Error(`--minutes must be a number from 0.5 to 1440 (got "${values.minutes}")`);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer (got "${values.seed}")`);
  return { minutes, seed };
}

function say(line: string): void {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function waitHealthy(rig: Rig, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (!rig.appliance.running) throw new Error(`lookout up exited during start:\n${rig.appliance.tail}`);
    try {
      const cameras = (await (await fetch(`http://127.0.0.1:${rig.httpPort}/api/v1/cameras`, { signal: AbortSignal.timeout(2000) })).json()) as { data?: Array<{ state: string }> };
      const detector = await fetch(`http://127.0.0.1:${rig.detectorPort}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (detector.status === 200 && (cameras.data ?? []).filter((camera) => camera.state === 'running').length >= SLOT_LIMIT) return;
    } catch {
      // not up yet
    }
    await sleep(500);
  }
  throw new Error(`lookout up not healthy within ${deadlineMs} ms:\n${rig.appliance.tail}`);
}

async function run(): Promise<number> {
  const { minutes, seed } = options();
  const rng = new SeededRandom(seed);
  say(`seed ${seed}, ${minutes} min`);
  let rig: Rig | undefined;
  const interrupted = new Promise<void>((resolve) => {
    for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(name, () => resolve());
  });
  let stopRequested = false;
  void interrupted.then(() => {
    stopRequested = true;
    say('interrupted: cleaning up');
  });
  const extras: Array<() => Promise<void>> = [];
  try {
    rig = await startRig();
    await waitHealthy(rig, 120_000);
    say(`up: http ${rig.httpPort}, outbox disk ${rig.disk}, dir ${rig.dir}`);
    const startedAt = Date.now();
    const log = new ViolationLog(startedAt);
    const warmupMs = Math.min(60_000, minutes * 60_000 * 0.25);
    const checks = {
      orphans: new OrphanCheck(log, STOP_GRACE_MS + 4000),
      slots: new SlotCheck(log, SLOT_LIMIT),
      health: new HealthCheck(log, 1000),
      growth: new GrowthCheck(log, { warmupMs, maxRssGrowthMb: MAX_RSS_GROWTH_MB, maxFdGrowth: MAX_FD_GROWTH }),
    };
    const collector = await MqttEventCollector.start(rig.mosquitto.url, 'lookout/events');
    extras.push(() => collector.close());
    const control = mqtt.connect(rig.mosquitto.url, { reconnectPeriod: 250 });
    control.on('error', () => undefined);
    extras.push(() => control.endAsync(true));
    let nc: NatsConnection | undefined = await connect({ servers: rig.nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    extras.push(async () => {
      await nc?.close();
      nc = undefined;
    });
    const appliance = rig.appliance;
    const monitor = new Monitor(rig.httpPort, () => appliance.pid, checks, startedAt);
    monitor.start();

    const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
    const faultEnd = startedAt + minutes * 60_000 - SETTLE_MS;
    const kinds = new ShuffleBag(FAULT_KINDS, rng);
    const context = { rig, rng, mqtt: control, nats: () => nc, processes: () => monitor.live, log: say };
    while (Date.now() < faultEnd && !stopRequested) {
      await Promise.race([sleep(rng.int(2000, 8000)), interrupted]);
      if (stopRequested || Date.now() >= faultEnd) break;
      const kind = kinds.next();
      if (await injectFault(kind, context)) {
        faults[kind]++;
        say(`fault ${kind}`);
      } else {
        say(`fault ${kind}: nothing to apply it to`);
      }
    }
    // Settle: every source and broker up, no faults; the outbox delivers what it holds.
    for (const feeder of rig.feeders) feeder.start();
    if (!rig.mosquitto.running) await rig.mosquitto.start();
    if (!rig.nats.running) await rig.nats.start();
    // The sources stop 10 s before the end, so no event starts in the last moments before shutdown
    // (one the outbox had no time to send would count as lost though it waits on disk).
    if (!stopRequested) await Promise.race([sleep(Math.max(0, startedAt + minutes * 60_000 - QUIET_END_MS - Date.now())), interrupted]);
    await Promise.all(rig.feeders.map((feeder) => feeder.stop()));
    if (!stopRequested) await Promise.race([sleep(QUIET_END_MS), interrupted]);
    await monitor.stop();
    const growth = checks.growth.result();

    // Shut the appliance down; everything it ever started must then be gone.
    say('stopping lookout up');
    await appliance.stop();
    checks.orphans.reportAllStopped();
    await sleep(checks.orphans.graceMs + 500);
    monitor.observeProcesses();
    await sleep(2000);
    const delivery = checkDelivery(
      { produced: await producedEventIds(rig.stateDir), mqtt: collector.messages, jetstream: await readJetStream(rig.nats.url, 'LOOKOUT_EVENTS') },
      log,
    );
    if (stopRequested) log.add('rig', 'interrupted before the end');
    const report = {
      minutes,
      seed,
      faults,
      invariant_violations: log.list,
      events_produced: delivery.events_produced,
      events_lost: delivery.events_lost,
      duplicates_mqtt: delivery.duplicates_mqtt,
      duplicates_jetstream: delivery.duplicates_jetstream,
      rss_growth_mb: growth.rss_growth_mb,
      fd_growth: growth.fd_growth,
      notes: {
        outbox_disk: rig.disk,
        processes_tracked: checks.orphans.tracked,
        orphans_lingered_ms: checks.orphans.lingeredMs,
        healthz_samples: checks.health.samples,
        healthz_slowest_ms: Math.round(checks.health.slowest),
        slot_samples: checks.slots.samples,
        max_live_publishers: checks.slots.maxLive,
        growth_series_judged: growth.series,
        lost_ids: delivery.lost_ids,
        thresholds: { rss_growth_mb: MAX_RSS_GROWTH_MB, fd_growth: MAX_FD_GROWTH, healthz_ms: 1000, orphan_grace_ms: checks.orphans.graceMs, warmup_ms: warmupMs },
      },
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return log.count > 0 ? 1 : 0;
  } finally {
    for (const step of extras.reverse()) await step().catch(() => undefined);
    await rig?.cleanup();
  }
}

run().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(2);
  },
);
