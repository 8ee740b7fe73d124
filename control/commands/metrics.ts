/**
 * Prometheus counters for the command table: commands executed per command, transport and outcome
 * (`ok` or the error code), and requests dropped as duplicates (same request id seen again within
 * the dedupe window). The command label is bounded: names outside the command list count as
 * `unknown`, so untrusted input cannot grow the label set.
 */
import { Counter, type Registry } from 'prom-client';
import { COMMANDS } from './command-table.ts';

export type CommandTransport = 'http' | 'mqtt' | 'nats';

export interface CommandMetrics {
  executed(command: unknown, transport: CommandTransport, outcome: string): void;
  duplicate(transport: CommandTransport): void;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function commandMetrics(registry: Registry): CommandMetrics {
  const executed = counter(registry, 'lookout_commands_executed_total', 'Commands executed by the command table, by command, transport and outcome (ok or error code)', [
    'command',
    'transport',
    'outcome',
  ]);
  const duplicates = counter(registry, 'lookout_command_duplicates_total', 'Requests dropped because the same request was seen within the dedupe window', ['transport']);
  return {
    executed(command, transport, outcome) {
      const name = typeof command === 'string' && (COMMANDS as readonly string[]).includes(command) ? command : 'unknown';
      executed.inc({ command: name, transport, outcome });
    },
    duplicate(transport) {
      duplicates.inc({ transport });
    },
  };
}
