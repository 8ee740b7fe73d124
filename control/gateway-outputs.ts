/**
 * The gateway process's control plane (stream role), for `lookout gateway` to wire:
 *
 *   const outputs = await createGatewayOutputs(config, logger);   // before service.start()
 *   await service.start();
 *   outputs.attach(service.manager);                               // commands + state forwarding
 *   ...
 *   await service.stop(); await outputs.close();
 *
 * Stream states (and camera availability for Home Assistant) follow the manager's `state` events.
 */
import type { LookoutConfig } from '../common/config/schema.ts';
import type { Logger } from '../common/log.ts';
import { ControlPlane } from './control-plane.ts';
import type { StreamControl } from './controls.ts';
import { LateStreamControl } from './late-controls.ts';
import { forwardStreamStates, streamStateOf } from './stream-state.ts';

type ManagerLike = StreamControl & Parameters<typeof forwardStreamStates>[0];

export interface GatewayOutputs {
  plane: ControlPlane;
  attach(manager: ManagerLike): void;
  close(): Promise<void>;
}

export async function createGatewayOutputs(config: LookoutConfig, logger: Logger): Promise<GatewayOutputs> {
  const stream = new LateStreamControl();
  const plane = new ControlPlane({ config, logger: logger.child({ component: 'control' }), stream, role: 'gateway' });
  await plane.start();
  let unforward: (() => void) | undefined;
  return {
    plane,
    attach(manager) {
      stream.bind(manager);
      unforward = forwardStreamStates(manager, (camera, update) => plane.publishStreamState(camera, update));
      for (const camera of config.cameras) {
        const status = manager.status(camera.id) as { state?: unknown } | undefined;
        if (typeof status?.state === 'string') plane.publishStreamState(camera.id, streamStateOf({ state: status.state }));
      }
    },
    async close() {
      unforward?.();
      await plane.stop(config.shutdown_timeout);
    },
  };
}
