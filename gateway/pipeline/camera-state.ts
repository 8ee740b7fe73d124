/**
 * One camera's observable state: the state name with the time it was entered, the last error and
 * exit, restart count, pid. Runtime state lives here, never in the (immutable) config.
 */

export type CameraStateName = 'stopped' | 'waiting' | 'starting' | 'running' | 'backoff' | 'stopping' | 'paused' | 'failed';

export type CameraMode = 'always' | 'on-demand';

/** Why the supervisor (or an operator) restarted a pipeline; the label of the restarts counter. */
export type RestartReason = 'exit' | 'stall' | 'spawn-error' | 'start-timeout' | 'manual';

export const RESTART_REASONS: readonly RestartReason[] = ['exit', 'stall', 'spawn-error', 'start-timeout', 'manual'];

export const CAMERA_STATES: readonly CameraStateName[] = ['stopped', 'waiting', 'starting', 'running', 'backoff', 'stopping', 'paused', 'failed'];

export interface CameraExit {
  code: number | null;
  signal: string | null;
  at: string;
}

export interface CameraStatus {
  id: string;
  state: CameraStateName;
  /** ISO time the current state was entered. */
  since: string;
  mode: CameraMode;
  pid?: number;
  restarts: number;
  lastError?: string;
  lastExit?: CameraExit;
  /** ISO time publishing was last confirmed (first progress of the current child). */
  startedAt?: string;
  demandLeases: number;
}

/** Mutable status of one camera; every change is reported through `onChange` as a snapshot. */
export class CameraState {
  #status: CameraStatus;

  constructor(
    id: string,
    mode: CameraMode,
    private readonly onChange: (status: CameraStatus) => void,
  ) {
    this.#status = { id, state: 'stopped', since: new Date().toISOString(), mode, restarts: 0, demandLeases: 0 };
  }

  get name(): CameraStateName {
    return this.#status.state;
  }

  /** A copy, safe to hand out. */
  snapshot(): CameraStatus {
    return { ...this.#status, ...(this.#status.lastExit ? { lastExit: { ...this.#status.lastExit } } : {}) };
  }

  /** Enters `state` (a new `since` only when the name changes) and reports it. */
  enter(state: CameraStateName, patch: Partial<Pick<CameraStatus, 'pid' | 'lastError' | 'startedAt'>> = {}): void {
    const changed = state !== this.#status.state;
    const next: CameraStatus = { ...this.#status, ...patch, state };
    if (changed) next.since = new Date().toISOString();
    if (state !== 'starting' && state !== 'running' && state !== 'stopping') {
      delete next.pid;
      delete next.startedAt;
    }
    if (state === 'starting') delete next.startedAt;
    this.#status = next;
    this.onChange(this.snapshot());
  }

  recordExit(code: number | null, signal: string | null): void {
    this.#status.lastExit = { code, signal, at: new Date().toISOString() };
  }

  recordError(message: string): void {
    this.#status.lastError = message;
  }

  countRestart(): void {
    this.#status.restarts++;
  }

  setDemand(count: number): void {
    this.#status.demandLeases = count;
  }
}
