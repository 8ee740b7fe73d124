/** Splits a byte stream into lines and keeps the last `capacity` of them (a bounded ring). */
export class LineTail {
  readonly #lines: string[] = [];
  #partial = '';

  constructor(
    private readonly capacity: number,
    private readonly transform: (line: string) => string = (line) => line,
    private readonly onLine?: (line: string) => void,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.#partial + chunk.toString();
    const parts = text.split(/\r?\n|\r/);
    this.#partial = parts.pop() ?? '';
    // A line without a newline for 64 KiB is cut so the partial buffer stays bounded too.
    if (this.#partial.length > 65_536) {
      parts.push(this.#partial);
      this.#partial = '';
    }
    for (const raw of parts) {
      if (raw.length === 0) continue;
      const line = this.transform(raw.length > 4096 ? `${raw.slice(0, 4096)}…` : raw);
      this.#lines.push(line);
      if (this.#lines.length > this.capacity) this.#lines.shift();
      this.onLine?.(line);
    }
  }

  flush(): void {
    if (this.#partial) {
      const rest = this.#partial;
      this.#partial = '';
      this.push(`${rest}\n`);
    }
  }

  lines(): string[] {
    return [...this.#lines];
  }
}
