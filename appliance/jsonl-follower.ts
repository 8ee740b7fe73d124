import { closeSync, openSync, readSync, statSync } from 'node:fs';

/**
 * Follows a JSON-lines file that another process appends to (the detector's events.jsonl when no
 * broker is configured) and hands each new record to `onRecord`. Polls, because the writer may
 * rotate the file (size shrinks or inode changes ⇒ start again from the top). Reads at most
 * `maxBytesPerPoll` per poll and skips lines longer than `maxLineBytes`, so a runaway writer
 * cannot make the follower's memory grow.
 */
export interface JsonlFollowerOptions {
  path: string;
  onRecord: (record: unknown) => void;
  pollMs?: number;
  /** Start at the current end of the file (default) or at its beginning. */
  fromStart?: boolean;
  maxBytesPerPoll?: number;
  maxLineBytes?: number;
}

export class JsonlFollower {
  readonly #options: JsonlFollowerOptions;
  #timer: NodeJS.Timeout | undefined;
  #offset = 0;
  #inode = -1;
  #partial = '';
  /** Lines that were not JSON or too long (counted, not fatal). */
  skipped = 0;

  constructor(options: JsonlFollowerOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    if (!this.#options.fromStart) {
      const stat = statOrUndefined(this.#options.path);
      if (stat) {
        this.#offset = stat.size;
        this.#inode = stat.ino;
      }
    }
    this.#timer = setInterval(() => this.poll(), this.#options.pollMs ?? 250);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Reads whatever was appended since the last poll (public for tests and a final flush). */
  poll(): void {
    const stat = statOrUndefined(this.#options.path);
    if (!stat) return;
    if (stat.ino !== this.#inode || stat.size < this.#offset) {
      this.#inode = stat.ino;
      this.#offset = 0;
      this.#partial = '';
    }
    if (stat.size === this.#offset) return;
    const length = Math.min(stat.size - this.#offset, this.#options.maxBytesPerPoll ?? 1024 * 1024);
    const buffer = Buffer.alloc(length);
    const fd = openSync(this.#options.path, 'r');
    let read: number;
    try {
      read = readSync(fd, buffer, 0, length, this.#offset);
    } finally {
      closeSync(fd);
    }
    this.#offset += read;
    const lines = (this.#partial + buffer.subarray(0, read).toString('utf8')).split('\n');
    this.#partial = lines.pop() ?? '';
    if (this.#partial.length > (this.#options.maxLineBytes ?? 64 * 1024)) {
      this.#partial = '';
      this.skipped++;
    }
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        this.#options.onRecord(JSON.parse(line) as unknown);
      } catch {
        this.skipped++;
      }
    }
  }
}

function statOrUndefined(path: string): { size: number; ino: number } | undefined {
  try {
    const stat = statSync(path);
    return { size: stat.size, ino: stat.ino };
  } catch {
    return undefined;
  }
}
