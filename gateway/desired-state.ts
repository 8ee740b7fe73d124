/**
 * The user's desired stream state, durable across restarts: a camera paused by a user (HTTP, MQTT,
 * NATS) stays paused after the gateway restarts, until a resume or restart clears it. Kept in
 * `<state_dir>/desired-state.json` (0600, written atomically: temp file + rename), read by the
 * pipeline manager before any pipeline starts. Delete the file while the gateway is stopped to
 * forget every pause at once. A missing or unreadable file means "nothing paused" (logged).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../common/log.ts';
import { ensurePrivateDirSync, PRIVATE_FILE_MODE } from '../common/private-files.ts';

export const DESIRED_STATE_FILE = 'desired-state.json';

interface DesiredStateFile {
  /** Camera ids a user paused. */
  paused: string[];
}

export class DesiredState {
  readonly path: string;
  readonly #paused: Set<string>;
  #seq = 0;

  constructor(
    readonly stateDir: string,
    private readonly logger?: Logger,
  ) {
    this.path = join(stateDir, DESIRED_STATE_FILE);
    this.#paused = new Set(this.#read().paused);
  }

  isPaused(camera: string): boolean {
    return this.#paused.has(camera);
  }

  /** Records the user's choice; a write failure is logged, never thrown (the command itself succeeded). */
  setPaused(camera: string, paused: boolean): void {
    if (this.#paused.has(camera) === paused) return;
    if (paused) this.#paused.add(camera);
    else this.#paused.delete(camera);
    try {
      ensurePrivateDirSync(this.stateDir);
      const temp = `${this.path}.${process.pid}.${++this.#seq}.tmp`;
      const body: DesiredStateFile = { paused: [...this.#paused].sort() };
      writeFileSync(temp, `${JSON.stringify(body)}\n`, { mode: PRIVATE_FILE_MODE });
      renameSync(temp, this.path);
    } catch (error) {
      this.logger?.warn({ err: error, path: this.path }, 'could not save the desired stream state; the pause will not survive a restart');
    }
  }

  #read(): DesiredStateFile {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return { paused: [] };
    }
    try {
      const parsed = JSON.parse(text) as Partial<DesiredStateFile>;
      const paused = Array.isArray(parsed.paused) ? parsed.paused.filter((id): id is string => typeof id === 'string') : [];
      return { paused };
    } catch (error) {
      this.logger?.warn({ err: error, path: this.path }, 'ignoring an unreadable desired-state file (no camera starts paused)');
      return { paused: [] };
    }
  }
}
