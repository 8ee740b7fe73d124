/**
 * The soak's continuous observer: once a second it probes /healthz (1 s limit), takes a /proc
 * snapshot of everything below `lookout up` (orphans, slots), reads the gateway's slot gauge and
 * camera pids (a pid the gateway no longer reports is one its supervisor stopped), and every few
 * seconds records RSS and fds of the main processes for the growth check.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { GrowthCheck, HealthCheck, OrphanCheck, SlotCheck } from './checks.ts';
import { descendants, fdCount, rssMb, snapshotProcesses, type ProcInfo } from './proc-table.ts';

export interface LiveProcesses {
  publishers: ProcInfo[];
  detector: ProcInfo | undefined;
  decoders: ProcInfo[];
}

/** Splits the appliance's process tree into publish ffmpegs, the detector and its decoders. */
export function classify(table: readonly ProcInfo[], appliancePid: number | undefined): { tree: ProcInfo[]; live: LiveProcesses } {
  if (appliancePid === undefined) return { tree: [], live: { publishers: [], detector: undefined, decoders: [] } };
  const tree = descendants(table, appliancePid);
  const publishers = tree.filter((proc) => proc.ppid === appliancePid && proc.comm === 'ffmpeg' && / -f rtsp /.test(proc.cmdline));
  const detector = tree.find((proc) => proc.ppid === appliancePid && / detector /.test(proc.cmdline));
  const decoders = detector ? tree.filter((proc) => proc.ppid === detector.pid && proc.comm === 'ffmpeg') : [];
  return { tree, live: { publishers, detector, decoders } };
}

async function timed(url: string, limitMs: number): Promise<{ ms: number; status?: number; error?: string }> {
  const started = performance.now();
  try {
    const reply = await fetch(url, { signal: AbortSignal.timeout(limitMs * 3) });
    await reply.text();
    return { ms: performance.now() - started, status: reply.status };
  } catch (error) {
    return { ms: performance.now() - started, error: (error as Error).message };
  }
}

export interface MonitorChecks {
  orphans: OrphanCheck;
  slots: SlotCheck;
  health: HealthCheck;
  growth: GrowthCheck;
}

export class Monitor {
  live: LiveProcesses = { publishers: [], detector: undefined, decoders: [] };
  #running = true;
  #done: Promise<void> = Promise.resolve();
  readonly #cameraPids = new Map<string, number>();

  constructor(
    readonly httpPort: number,
    readonly appliancePid: () => number | undefined,
    readonly checks: MonitorChecks,
    readonly startedAt: number,
  ) {}

  start(): void {
    this.#done = this.#loop();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }

  /** One /proc pass without the HTTP probes (also used after shutdown). */
  observeProcesses(now = Date.now()): void {
    const table = snapshotProcesses();
    const { tree, live } = classify(table, this.appliancePid());
    this.live = live;
    this.checks.orphans.observe(table, tree, now);
  }

  async #loop(): Promise<void> {
    let tick = 0;
    while (this.#running) {
      const started = Date.now();
      this.checks.health.sample(await timed(`http://127.0.0.1:${this.httpPort}/healthz`, 1000));
      await this.#cameras();
      this.observeProcesses();
      this.checks.slots.sample(this.live.publishers.length, await this.#slotsInUse());
      if (tick++ % 5 === 0) this.#growth();
      await sleep(Math.max(50, 1000 - (Date.now() - started)));
    }
  }

  async #slotsInUse(): Promise<number | undefined> {
    try {
      const text = await (await fetch(`http://127.0.0.1:${this.httpPort}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
      const match = /^lookout_gateway_slots_in_use (\d+)$/m.exec(text);
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** A pid the gateway stops reporting for a camera is one its supervisor says it stopped. */
  async #cameras(): Promise<void> {
    let cameras: Array<{ id: string; pid?: number }>;
    try {
      const reply = (await (await fetch(`http://127.0.0.1:${this.httpPort}/api/v1/cameras`, { signal: AbortSignal.timeout(3000) })).json()) as { data?: Array<{ id: string; pid?: number }> };
      cameras = reply.data ?? [];
    } catch {
      return;
    }
    for (const camera of cameras) {
      const previous = this.#cameraPids.get(camera.id);
      if (previous !== undefined && previous !== camera.pid) this.checks.orphans.reportStopped(previous);
      if (camera.pid === undefined) this.#cameraPids.delete(camera.id);
      else this.#cameraPids.set(camera.id, camera.pid);
    }
  }

  #growth(): void {
    const since = Date.now() - this.startedAt;
    const main = this.appliancePid();
    const detector = this.live.detector?.pid;
    for (const [name, pid] of [['lookout-up', main], ['detector', detector]] as const) {
      if (pid === undefined) continue;
      const rss = rssMb(pid);
      const fds = fdCount(pid);
      if (rss !== undefined && fds !== undefined) this.checks.growth.sample(name, pid, { rss, fds }, since);
    }
  }
}
