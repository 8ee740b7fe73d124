/**
 * Fault injectors for the soak. Each takes the running rig, the seeded random source and the live
 * process view, does one bounded thing (it always undoes what it did: SIGCONT after SIGSTOP, a
 * vanished source or stopped broker comes back, the filler file is removed) and returns.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import type { MqttClient } from 'mqtt';
import { readStartTime } from '../../common/proc.ts';
import type { ProcInfo } from './proc-table.ts';
import type { SeededRandom } from './random.ts';
import type { Rig } from './rig.ts';

export const FAULT_KINDS = [
  'kill-publisher', 'stop-publisher', 'kill-decoder', 'stop-decoder', 'source-vanish', 'mqtt-restart',
  'nats-restart', 'disk-full', 'malformed-commands', 'pause-resume-storm', 'kill-detector',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultContext {
  rig: Rig;
  rng: SeededRandom;
  mqtt: MqttClient;
  nats: () => NatsConnection | undefined;
  /** Current processes: the gateway's publish ffmpegs, the detector, its decoders. */
  processes(): { publishers: ProcInfo[]; detector: ProcInfo | undefined; decoders: ProcInfo[] };
  log(line: string): void;
}

function signal(proc: ProcInfo, name: NodeJS.Signals): boolean {
  // Only the process we picked: a reused pid must not get the signal.
  if (readStartTime(proc.pid) !== proc.startTime) return false;
  try {
    process.kill(proc.pid, name);
    return true;
  } catch {
    return false;
  }
}

async function freeze(ctx: FaultContext, proc: ProcInfo | undefined): Promise<boolean> {
  if (!proc || !signal(proc, 'SIGSTOP')) return false;
  await sleep(ctx.rng.int(2000, 6000));
  signal(proc, 'SIGCONT');
  return true;
}

/** Fills the outbox's tmpfs to the last byte; returns the filler's path. */
function fillDisk(dir: string): string {
  const path = join(dir, 'soak-filler.bin');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0xa5);
  try {
    for (;;) writeSync(fd, chunk);
  } catch {
    // ENOSPC: full
  }
  const tail = Buffer.alloc(512, 0xa5);
  try {
    for (;;) writeSync(fd, tail);
  } catch {
    // full to the last block
  }
  closeSync(fd);
  return path;
}

async function paced(count: number, perSecond: number, each: (index: number) => void): Promise<void> {
  for (let index = 0; index < count; index++) {
    each(index);
    if (index % 10 === 9) await sleep(1000 / (perSecond / 10));
  }
}

function garbage(ctx: FaultContext): string {
  const forms = ['MAYBE', '{"not json', '', '\u0000\u0001\u0002', 'x'.repeat(20), '{"command":"stream.explode"}', '[1,2,3]', 'ON OFF'];
  return ctx.rng.pick(forms);
}

async function malformed(ctx: FaultContext): Promise<void> {
  const { rig, rng } = ctx;
  const nc = ctx.nats();
  await paced(300, 100, () => {
    const camera = rng.pick([...rig.cameras, 'nope', 'ALL']);
    const topic = rng.pick([`lookout/${camera}/detect/set`, `lookout/${camera}/stream/set`, `lookout/${camera}/bogus/set`, 'lookout/request', `lookout/request/${camera}/x`]);
    ctx.mqtt.publish(topic, garbage(ctx), { qos: 0 });
    nc?.publish(`lookout.${rig.site}.control.${camera}.${rng.pick(['bogus', 'stream.explode', 'pause.now', 'detect'])}`, garbage(ctx));
  });
}

async function http(ctx: FaultContext, camera: string, action: 'pause' | 'resume'): Promise<void> {
  await fetch(`http://127.0.0.1:${ctx.rig.httpPort}/api/v1/cameras/${camera}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    signal: AbortSignal.timeout(10_000),
  }).then((reply) => reply.text(), () => undefined);
}

async function storm(ctx: FaultContext): Promise<void> {
  const { rig, rng } = ctx;
  const pending: Array<Promise<unknown>> = [];
  for (let index = 0; index < 30; index++) {
    const camera = rng.pick(rig.cameras);
    const action = rng.pick(['pause', 'resume'] as const);
    const channel = rng.pick(['http', 'mqtt', 'nats'] as const);
    if (channel === 'http') pending.push(http(ctx, camera, action));
    else if (channel === 'mqtt') ctx.mqtt.publish(`lookout/${camera}/stream/set`, action === 'pause' ? 'OFF' : 'ON', { qos: 1 });
    else pending.push(ctx.nats()?.request(`lookout.${rig.site}.control.${camera}.${action}`, '{}', { timeout: 5000 }).catch(() => undefined) ?? Promise.resolve());
    await sleep(rng.int(20, 150));
  }
  await Promise.all(pending);
  // The storm ends with every camera wanted again, so the soak's later checks see them run.
  await Promise.all(rig.cameras.map((camera) => http(ctx, camera, 'resume')));
}

/** Runs one fault; returns false if there was nothing to apply it to (not counted). */
export async function injectFault(kind: FaultKind, ctx: FaultContext): Promise<boolean> {
  const { rig, rng } = ctx;
  const now = ctx.processes();
  switch (kind) {
    case 'kill-publisher': {
      const proc = now.publishers.length ? rng.pick(now.publishers) : undefined;
      return proc !== undefined && signal(proc, 'SIGKILL');
    }
    case 'stop-publisher':
      return freeze(ctx, now.publishers.length ? rng.pick(now.publishers) : undefined);
    case 'kill-decoder': {
      const proc = now.decoders.length ? rng.pick(now.decoders) : undefined;
      return proc !== undefined && signal(proc, 'SIGKILL');
    }
    case 'stop-decoder':
      return freeze(ctx, now.decoders.length ? rng.pick(now.decoders) : undefined);
    case 'source-vanish': {
      const feeder = rng.pick(rig.feeders);
      await feeder.stop();
      await sleep(rng.int(4000, 10_000));
      feeder.start();
      return true;
    }
    case 'mqtt-restart':
      await rig.mosquitto.stop();
      await sleep(rng.int(1000, 4000));
      await rig.mosquitto.start();
      return true;
    case 'nats-restart':
      await rig.nats.stop();
      await sleep(rng.int(1000, 4000));
      await rig.nats.start();
      return true;
    case 'disk-full': {
      if (rig.disk !== 'tmpfs') return false;
      // A full disk matters when the outbox spills: NATS goes away while the disk is full.
      const filler = fillDisk(rig.outboxDir);
      await rig.nats.stop();
      await sleep(rng.int(6000, 12_000));
      rmSync(filler, { force: true });
      await rig.nats.start();
      return true;
    }
    case 'malformed-commands':
      await malformed(ctx);
      return true;
    case 'pause-resume-storm':
      await storm(ctx);
      return true;
    case 'kill-detector':
      return now.detector !== undefined && signal(now.detector, 'SIGKILL');
  }
}
