/**
 * Prometheus metrics of the mediamtx part, on a Registry of its own (the gateway merges it into
 * /metrics). Counters derive from real events (child exits, open lease connections), never from
 * hand-kept numbers. Labels never carry a user name, path secret or password.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { DemandLeases } from './demand-endpoint.ts';
import type { MediamtxSidecar } from './sidecar.ts';

export interface MediamtxMetrics {
  registry: Registry;
  /** Attaches to a sidecar's events (call once per sidecar). */
  watchSidecar(sidecar: MediamtxSidecar): void;
}

export function createMediamtxMetrics(leases: DemandLeases, sidecar: () => MediamtxSidecar | undefined): MediamtxMetrics {
  const registry = new Registry();
  const exits = new Counter({
    name: 'lookout_mediamtx_exits_total',
    help: 'mediamtx exits by kind: requested (stop), unexpected (restarted with backoff)',
    labelNames: ['kind'],
    registers: [registry],
  });
  new Gauge({
    name: 'lookout_mediamtx_up',
    help: '1 while mediamtx answers GET /v3/info since its last start, else 0',
    registers: [registry],
    collect() {
      this.set(sidecar()?.ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'lookout_mediamtx_demand_leases',
    help: 'On-demand leases held by running demand hooks (open connections)',
    registers: [registry],
    collect() {
      this.set(leases.size);
    },
  });
  return {
    registry,
    watchSidecar(target) {
      target.on('exit', (exit) => exits.inc({ kind: exit.unexpected ? 'unexpected' : 'requested' }));
    },
  };
}
