/**
 * The embedded default when no broker is configured: events appended to `events.jsonl` in the state
 * dir, rotated to `events.1.jsonl` ... `events.<files-1>.jsonl` past `maxBytes`, so disk use stays
 * bounded (about files × maxBytes). Used as an outbox sink, so it gets the same ordering and retry.
 */
import { statSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDirSync } from '../../common/private-files.ts';

export class JsonlEventFile {
  #handle: FileHandle | undefined;
  #bytes = 0;
  readonly path: string;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    readonly files: number,
  ) {
    this.path = join(dir, 'events.jsonl');
  }

  async append(line: string): Promise<void> {
    if (!this.#handle) await this.#open();
    const buffer = Buffer.from(`${line}\n`);
    if (this.#bytes > 0 && this.#bytes + buffer.length > this.maxBytes) await this.#rotate();
    await (this.#handle as FileHandle).write(buffer);
    this.#bytes += buffer.length;
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  async #open(): Promise<void> {
    ensurePrivateDirSync(this.dir);
    this.#handle = await open(this.path, 'a', 0o600);
    await this.#handle.chmod(0o600);
    try {
      this.#bytes = statSync(this.path).size;
    } catch {
      this.#bytes = 0;
    }
  }

  async #rotate(): Promise<void> {
    await this.close();
    const name = (index: number) => join(this.dir, index === 0 ? 'events.jsonl' : `events.${index}.jsonl`);
    await rm(name(this.files - 1), { force: true });
    for (let index = this.files - 2; index >= 0; index--) {
      await rename(name(index), name(index + 1)).catch(() => undefined);
    }
    if (this.files === 1) await rm(this.path, { force: true });
    await this.#open();
  }
}
