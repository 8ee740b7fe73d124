/**
 * Prometheus metrics for the gateway, on a Registry of its own (tests and an embedding `lookout up`
 * can run several without clashing on prom-client's global registry).
 *
 * Gauges are computed at scrape time from a snapshot of the pipeline manager, so what /metrics
 * shows is the lease count and the live children, never a number kept by hand. Only restarts and
 * stalls are counters, fed from the manager's events.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CAMERA_STATES } from './pipeline/camera-state.ts';


/** What a scrape needs to know, read from the manager at scrape time. */
export interface GatewaySnapshot {
  slots: { inUse: number; limit: number };
  cameras: ReadonlyArray<{ id: string; state: string }>;
  /** Live publish children (pids whose exit has not been observed). */
  children: number;
}

export interface GatewayMetrics {
  registry: Registry;
  countRestart(camera: string, reason: string): void;
  countStall(camera: string): void;
}

/** Creates the registry; `snapshot` is called on every scrape. */
export function createGatewayMetrics(snapshot: () => GatewaySnapshot, { startedAt = Date.now() }: { startedAt?: number } = {}): GatewayMetrics {
  const registry = new Registry();
  // process_resident_memory_bytes, process_open_fds, event loop lag, heap, GC.
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'lookout_gateway_slots_in_use',
    help: 'Publish slots held by live leases (one per pipeline from before spawn until its exit is observed).',
    registers: [registry],
    collect() {
      this.set(snapshot().slots.inUse);
    },
  });
  new Gauge({
    name: 'lookout_gateway_slots_limit',
    help: 'Configured hard limit on concurrent publish pipelines (pipelines.limit).',
    registers: [registry],
    collect() {
      this.set(snapshot().slots.limit);
    },
  });
  new Gauge({
    name: 'lookout_gateway_camera_state',
    help: 'Pipeline state per camera: 1 for the current state, 0 for the others (stopped, waiting, starting, running, backoff, stopping, paused, failed).',
    labelNames: ['camera', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const camera of snapshot().cameras) {
        for (const state of CAMERA_STATES) this.set({ camera: camera.id, state }, camera.state === state ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'lookout_gateway_child_processes',
    help: 'Live publish child processes (spawned, exit not yet observed).',
    registers: [registry],
    collect() {
      this.set(snapshot().children);
    },
  });
  new Gauge({
    name: 'lookout_gateway_uptime_seconds',
    help: 'Seconds since the gateway service started.',
    registers: [registry],
    collect() {
      this.set((Date.now() - startedAt) / 1000);
    },
  });
  const restarts = new Counter({
    name: 'lookout_gateway_restarts_total',
    help: 'Pipeline restarts by camera and reason (exit, stall, start-timeout, spawn-error, manual).',
    labelNames: ['camera', 'reason'] as const,
    registers: [registry],
  });
  const stalls = new Counter({
    name: 'lookout_gateway_stalls_total',
    help: 'Pipelines killed because ffmpeg progress stopped for the stall timeout.',
    labelNames: ['camera'] as const,
    registers: [registry],
  });
  return {
    registry,
    countRestart: (camera, reason) => restarts.inc({ camera, reason }),
    countStall: (camera) => stalls.inc({ camera }),
  };
}
