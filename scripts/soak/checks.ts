/**
 * The soak's invariant checkers. Each is fed observations (from /proc, /metrics, HTTP probes and the
 * brokers) and records violations; none of them trusts a service's word about its own processes.
 * They are plain classes so test/soak-checks.test.ts can drive them with a deliberately leaking
 * fixture and a clean one.
 */
import { procKey, type ProcInfo } from './proc-table.ts';

export interface Violation {
  /** ms since the soak started. */
  at: number;
  check: 'orphan' | 'slots' | 'healthz' | 'delivery' | 'growth' | 'rig';
  detail: string;
}

/** Collected violations; the list is capped (the count is not) so a flood cannot eat memory. */
export class ViolationLog {
  readonly list: Violation[] = [];
  count = 0;

  constructor(readonly startedAt = Date.now(), readonly cap = 200) {}

  add(check: Violation['check'], detail: string, now = Date.now()): void {
    this.count++;
    if (this.list.length < this.cap) this.list.push({ at: now - this.startedAt, check, detail });
  }
}

interface Tracked {
  proc: ProcInfo;
  /** When its supervisor said it stopped, or when it left the supervised tree. */
  stoppedAt?: number;
  reported: boolean;
}

/**
 * No orphans: every process ever seen below a supervisor (pid + start time, so pid reuse cannot
 * hide one) must be gone within `graceMs` after its supervisor reported it stopped, or after it
 * left the supervised tree (reparented because its parent died or let go of it).
 */
export class OrphanCheck {
  readonly #seen = new Map<string, Tracked>();
  /** Distinct processes ever tracked. */
  tracked = 0;
  /** For each reported orphan that later went away: ms from its stop to its disappearance. */
  readonly lingeredMs: number[] = [];

  constructor(
    readonly log: ViolationLog,
    readonly graceMs: number,
  ) {}

  /** One /proc snapshot: `supervised` are the processes currently below the supervisors. */
  observe(table: readonly ProcInfo[], supervised: readonly ProcInfo[], now = Date.now()): void {
    const alive = new Set(table.map(procKey));
    const inTree = new Set(supervised.map(procKey));
    for (const proc of supervised) {
      if (!this.#seen.has(procKey(proc))) {
        this.#seen.set(procKey(proc), { proc, reported: false });
        this.tracked++;
      }
    }
    for (const [key, entry] of this.#seen) {
      if (!alive.has(key)) {
        // How long a reported orphan outlived its supervisor's stop, for the report.
        if (entry.reported && entry.stoppedAt !== undefined && this.lingeredMs.length < 100) this.lingeredMs.push(now - entry.stoppedAt);
        this.#seen.delete(key);
        continue;
      }
      if (!inTree.has(key)) entry.stoppedAt ??= now;
      if (entry.stoppedAt !== undefined && !entry.reported && now - entry.stoppedAt > this.graceMs) {
        entry.reported = true;
        const { pid, comm, cmdline } = entry.proc;
        this.log.add('orphan', `${comm} ${pid} still alive ${now - entry.stoppedAt} ms after its supervisor stopped it (${cmdline.slice(0, 100)})`, now);
      }
    }
  }

  /** The supervisor said `pid` stopped (e.g. the gateway reports a new pid for the camera). */
  reportStopped(pid: number, now = Date.now()): void {
    for (const entry of this.#seen.values()) if (entry.proc.pid === pid) entry.stoppedAt ??= now;
  }

  /** Everything stopped (the whole appliance shut down). */
  reportAllStopped(now = Date.now()): void {
    for (const entry of this.#seen.values()) entry.stoppedAt ??= now;
  }

  /** Tracked processes still alive. */
  get alive(): ProcInfo[] {
    return [...this.#seen.values()].map((entry) => entry.proc);
  }
}

/**
 * Slots = live publish children ≤ limit: the count of publish ffmpegs in /proc may never exceed the
 * limit, and the gateway's slots-in-use gauge must agree with /proc within `settleSamples`
 * consecutive samples (a child is counted from spawn to observed exit; a sample can fall between).
 */
export class SlotCheck {
  #mismatchStreak = 0;
  samples = 0;
  maxLive = 0;

  constructor(
    readonly log: ViolationLog,
    readonly limit: number,
    readonly settleSamples = 3,
  ) {}

  sample(live: number, slotsInUse: number | undefined, now = Date.now()): void {
    this.samples++;
    this.maxLive = Math.max(this.maxLive, live);
    if (live > this.limit) this.log.add('slots', `${live} live publish children > limit ${this.limit}`, now);
    if (slotsInUse === undefined) return;
    if (slotsInUse > this.limit) this.log.add('slots', `slots in use ${slotsInUse} > limit ${this.limit}`, now);
    if (slotsInUse === live) {
      this.#mismatchStreak = 0;
      return;
    }
    this.#mismatchStreak++;
    if (this.#mismatchStreak === this.settleSamples) this.log.add('slots', `slots in use ${slotsInUse} != ${live} live publish children for ${this.settleSamples} samples`, now);
  }
}

/** /healthz must answer 200 within `limitMs`. */
export class HealthCheck {
  samples = 0;
  slowest = 0;

  constructor(
    readonly log: ViolationLog,
    readonly limitMs = 1000,
  ) {}

  sample(result: { ms: number; status?: number; error?: string }, now = Date.now()): void {
    this.samples++;
    this.slowest = Math.max(this.slowest, result.ms);
    if (result.error !== undefined) this.log.add('healthz', `no answer: ${result.error}`, now);
    else if (result.status !== 200) this.log.add('healthz', `status ${result.status}`, now);
    else if (result.ms > this.limitMs) this.log.add('healthz', `answered in ${Math.round(result.ms)} ms > ${this.limitMs} ms`, now);
  }
}

export interface DeliveryInput {
  /** Event ids the detector produced (its event store). */
  produced: readonly string[];
  /** MQTT messages on <prefix>/events: event id and raw payload. */
  mqtt: ReadonlyArray<{ id: string; payload: string }>;
  /** JetStream stream messages: event id, Nats-Msg-Id and raw payload. */
  jetstream: ReadonlyArray<{ id: string; msgId: string; payload: string }>;
}

export interface DeliveryResult {
  events_produced: number;
  events_lost: number;
  lost_ids: string[];
  /** MQTT messages identical to an earlier one (QoS 1 redelivery; allowed). */
  duplicates_mqtt: number;
  /** JetStream messages with a repeated Nats-Msg-Id or payload (not allowed). */
  duplicates_jetstream: number;
}

/** Every produced event id at least once over MQTT and in JetStream, no message twice in JetStream. */
export function checkDelivery(input: DeliveryInput, log: ViolationLog): DeliveryResult {
  const mqttIds = new Set(input.mqtt.map((message) => message.id));
  const jsIds = new Set(input.jetstream.map((message) => message.id));
  const produced = [...new Set(input.produced)];
  const lost = produced.filter((id) => !mqttIds.has(id) || !jsIds.has(id));
  const seenPayloads = new Set<string>();
  let duplicatesMqtt = 0;
  for (const { payload } of input.mqtt) {
    if (seenPayloads.has(payload)) duplicatesMqtt++;
    seenPayloads.add(payload);
  }
  const msgIds = new Set<string>();
  const jsPayloads = new Set<string>();
  let duplicatesJs = 0;
  for (const { msgId, payload } of input.jetstream) {
    if (msgIds.has(msgId) || jsPayloads.has(payload)) duplicatesJs++;
    msgIds.add(msgId);
    jsPayloads.add(payload);
  }
  for (const id of lost.slice(0, 20)) log.add('delivery', `event ${id} missing from ${mqttIds.has(id) ? '' : 'MQTT '}${jsIds.has(id) ? '' : 'JetStream'}`.trim());
  if (duplicatesJs > 0) log.add('delivery', `${duplicatesJs} duplicate messages in JetStream`);
  return { events_produced: produced.length, events_lost: lost.length, lost_ids: lost.slice(0, 20), duplicates_mqtt: duplicatesMqtt, duplicates_jetstream: duplicatesJs };
}

interface Series {
  name: string;
  firstAt: number;
  points: Array<{ at: number; rss: number; fds: number }>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * RSS and fds flat after warm-up: per process (name + pid, so a restarted detector starts a new
 * series with its own warm-up), growth = median of the last `window` samples − median of the first `window` after
 * warm-up. Series shorter than 2 × window are too short to judge and are skipped.
 */
export class GrowthCheck {
  readonly #series = new Map<string, Series>();

  constructor(
    readonly log: ViolationLog,
    readonly options: { warmupMs: number; maxRssGrowthMb: number; maxFdGrowth: number; window?: number },
  ) {}

  sample(name: string, pid: number, reading: { rss: number; fds: number }, sinceStartMs: number): void {
    const key = `${name}:${pid}`;
    const series = this.#series.get(key) ?? { name: key, firstAt: sinceStartMs, points: [] };
    this.#series.set(key, series);
    // Every process gets the warm-up from its first sample, so a restarted one is not judged on its start.
    if (sinceStartMs - series.firstAt >= this.options.warmupMs) series.points.push({ at: sinceStartMs, ...reading });
  }

  /** Largest growth over all judged series; records a violation per series over a threshold. */
  result(): { rss_growth_mb: number; fd_growth: number; series: number } {
    const window = this.options.window ?? 3;
    let rss = 0;
    let fds = 0;
    let judged = 0;
    for (const series of this.#series.values()) {
      if (series.points.length < 2 * window) continue;
      judged++;
      const first = series.points.slice(0, window);
      const last = series.points.slice(-window);
      const rssGrowth = median(last.map((p) => p.rss)) - median(first.map((p) => p.rss));
      const fdGrowth = median(last.map((p) => p.fds)) - median(first.map((p) => p.fds));
      rss = Math.max(rss, rssGrowth);
      fds = Math.max(fds, fdGrowth);
      if (rssGrowth > this.options.maxRssGrowthMb) this.log.add('growth', `${series.name} RSS grew ${rssGrowth.toFixed(1)} MB > ${this.options.maxRssGrowthMb} MB`);
      if (fdGrowth > this.options.maxFdGrowth) this.log.add('growth', `${series.name} fds grew by ${fdGrowth} > ${this.options.maxFdGrowth}`);
    }
    return { rss_growth_mb: Math.round(rss * 10) / 10, fd_growth: fds, series: judged };
  }
}
