/**
 * The camera actions straight onto the pipeline manager, for a gateway run without a control plane
 * (tests, benchmarks). Same queue (the manager's, with supersede) and same error codes (each error
 * says its own `code`) as the command table; only the MQTT/NATS state publication is missing, since
 * there is no broker. Every real process (`lookout gateway`, `lookout up`) passes the command table.
 */
import { errorCodeOf } from '../../common/http/error-envelope.ts';
import type { CommandExecutor, CommandReply } from '../http-api.ts';
import type { PipelineManager } from './pipeline-manager.ts';

const ACTIONS = { 'stream.pause': 'pause', 'stream.resume': 'resume', 'stream.restart': 'restart' } as const;

export function managerCommands(manager: PipelineManager): CommandExecutor {
  return {
    async execute({ command, camera }): Promise<CommandReply> {
      const action = ACTIONS[command as keyof typeof ACTIONS] as (typeof ACTIONS)[keyof typeof ACTIONS] | undefined;
      if (!action) return { status: 'error', error: { code: 'unsupported', message: `command ${command} is not handled by this process` } };
      try {
        return { status: 'ok', data: await manager[action](camera) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { status: 'error', error: { code: errorCodeOf(error) ?? 'internal', message } };
      }
    },
  };
}
