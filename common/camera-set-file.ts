/**
 * A set of camera ids kept in a small JSON file in the state directory (`{"<key>": ["cam1"]}`),
 * for the user's desired state that must survive a restart: the gateway's paused cameras
 * (`desired-state.json`), the detector's detect-off cameras (`desired-detect.json`). Private (0600)
 * and written atomically and synchronously (common/atomic-file.ts), so a crash leaves the old or the
 * new file, never a torn one, and a failed write leaves no temp file. A missing file is an empty
 * set; an unreadable one too (logged). Write failures are logged (naming the file), not thrown: the
 * command that changed the state already succeeded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './log.ts';
import { writeFileAtomicSync } from './atomic-file.ts';
import { ensurePrivateDirSync } from './private-files.ts';

export class CameraSetFile {
  readonly path: string;
  readonly #ids: Set<string>;

  constructor(
    readonly stateDir: string,
    file: string,
    readonly key: string,
    private readonly logger?: Logger,
  ) {
    this.path = join(stateDir, file);
    this.#ids = new Set(this.#read());
  }

  has(camera: string): boolean {
    return this.#ids.has(camera);
  }

  /** The ids in the set, sorted. */
  ids(): string[] {
    return [...this.#ids].sort();
  }

  /** Adds or removes `camera`; writes the file only when the set changed. */
  set(camera: string, member: boolean): void {
    if (this.#ids.has(camera) === member) return;
    if (member) this.#ids.add(camera);
    else this.#ids.delete(camera);
    try {
      ensurePrivateDirSync(this.stateDir);
      writeFileAtomicSync(this.path, `${JSON.stringify({ [this.key]: this.ids() })}\n`);
    } catch (error) {
      this.logger?.warn({ err: error, path: this.path }, 'could not save the desired state; it will not survive a restart');
    }
  }

  #read(): string[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return [];
    }
    try {
      const ids = (JSON.parse(text) as Record<string, unknown>)[this.key];
      return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
    } catch (error) {
      this.logger?.warn({ err: error, path: this.path }, 'ignoring an unreadable desired-state file');
      return [];
    }
  }
}
