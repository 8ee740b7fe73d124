/**
 * Prometheus gauges for the outbox (read at scrape time): backlog, items refused or dropped by the
 * overflow policy, disk bytes, and items delivered / failures per sink. Labelled by role so a
 * gateway and a detector plane could share one registry.
 */
import { Gauge, type Registry } from 'prom-client';
import type { Outbox } from './outbox.ts';

const sources = new WeakMap<Registry, Map<string, { outbox: Outbox; sinks: string[] }>>();

function gauge(registry: Registry, name: string, help: string, labelNames: string[], collect: (g: Gauge<string>) => void): void {
  if (registry.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      collect(this as Gauge<string>);
    },
  });
}

export function registerOutboxMetrics(registry: Registry, role: string, outbox: Outbox, sinks: string[]): void {
  let byRole = sources.get(registry);
  if (!byRole) {
    byRole = new Map();
    sources.set(registry, byRole);
  }
  byRole.set(role, { outbox, sinks });
  const each = (fn: (role: string, entry: { outbox: Outbox; sinks: string[] }) => void) => {
    for (const [name, entry] of sources.get(registry) ?? []) fn(name, entry);
  };
  gauge(registry, 'lookout_outbox_backlog', 'Must-deliver items not yet acknowledged by the slowest sink', ['role'], (g) =>
    each((name, entry) => g.set({ role: name }, entry.outbox.backlog)),
  );
  gauge(registry, 'lookout_outbox_overflow_dropped', 'Items refused or dropped by the outbox overflow policy since start', ['role'], (g) =>
    each((name, entry) => g.set({ role: name }, entry.outbox.stats.overflowDropped)),
  );
  gauge(registry, 'lookout_outbox_disk_bytes', 'Bytes held in outbox segment files', ['role'], (g) =>
    each((name, entry) => g.set({ role: name }, entry.outbox.store.totalBytes)),
  );
  gauge(registry, 'lookout_outbox_delivered', 'Items delivered per sink since start', ['role', 'sink'], (g) =>
    each((name, entry) => {
      for (const sink of entry.sinks) g.set({ role: name, sink }, entry.outbox.sinkStats(sink)?.delivered ?? 0);
    }),
  );
  gauge(registry, 'lookout_outbox_delivery_failures', 'Failed delivery attempts per sink since start', ['role', 'sink'], (g) =>
    each((name, entry) => {
      for (const sink of entry.sinks) g.set({ role: name, sink }, entry.outbox.sinkStats(sink)?.failures ?? 0);
    }),
  );
}
