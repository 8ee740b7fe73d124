/**
 * Glue for the gateway: maps a camera's pipeline state (the gateway's `CameraStatus.state`) to the
 * published stream state, and forwards the PipelineManager's `state` events to the control plane,
 * so `<prefix>/<camera>/stream/state` and `<prefix>/<camera>/available` follow real lifetimes, not
 * only commands. Structural types only: the control plane does not import the gateway.
 */
import type { StreamStateUpdate } from '../mqtt/retained-states.ts';

/** Pipeline states in which the stream is wanted (ON); `paused`/`stopped`/`stopping` are OFF. */
const ON_STATES = new Set(['waiting', 'starting', 'running', 'backoff']);

export function streamStateOf(status: { state: string }): StreamStateUpdate {
  return { on: ON_STATES.has(status.state), available: status.state !== 'failed' };
}

interface StateEmitter {
  on(event: 'state', listener: (status: { id: string; state: string }) => void): unknown;
  off(event: 'state', listener: (status: { id: string; state: string }) => void): unknown;
}

/** The gateway's pipeline manager, structurally: state events plus the current state of a camera. */
export interface StreamStateSource extends StateEmitter {
  status(id: string): { state: string };
}

/** Publishes every state change of `manager` through `publish`; returns the unsubscribe function. */
export function forwardStreamStates(manager: StateEmitter, publish: (camera: string, update: StreamStateUpdate) => void): () => void {
  const last = new Map<string, string>();
  const listener = (status: { id: string; state: string }) => {
    const update = streamStateOf(status);
    const key = `${update.on}:${update.available}`;
    if (last.get(status.id) === key) return;
    last.set(status.id, key);
    publish(status.id, update);
  };
  manager.on('state', listener);
  return () => manager.off('state', listener);
}
