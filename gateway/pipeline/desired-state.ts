/**
 * The user's desired stream state, durable across restarts: a camera paused by a user (HTTP, MQTT,
 * NATS) stays paused after the gateway restarts, until a resume or restart clears it. Kept in
 * `<state_dir>/desired-state.json` (`{"paused": [...]}`, 0600, atomic; common/camera-set-file.ts),
 * read by the pipeline manager before any pipeline starts. Delete the file while the gateway is
 * stopped to forget every pause at once.
 */
import { CameraSetFile } from '../../common/camera-set-file.ts';
import type { Logger } from '../../common/log.ts';

export const DESIRED_STATE_FILE = 'desired-state.json';

export class DesiredState {
  readonly #paused: CameraSetFile;

  constructor(stateDir: string, logger?: Logger) {
    this.#paused = new CameraSetFile(stateDir, DESIRED_STATE_FILE, 'paused', logger);
  }

  get path(): string {
    return this.#paused.path;
  }

  isPaused(camera: string): boolean {
    return this.#paused.has(camera);
  }

  setPaused(camera: string, paused: boolean): void {
    this.#paused.set(camera, paused);
  }
}
