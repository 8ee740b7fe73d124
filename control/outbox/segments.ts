/**
 * The outbox's disk log: append-only JSONL segment files `seg-<firstSeq>.jsonl`, one record a line.
 * Crash-safe by construction: a new process never appends to an old segment, and a torn or garbled
 * line (power cut mid-write) is skipped and counted on recovery instead of poisoning the log.
 * Whole segments are deleted once every sink has acknowledged them, or dropped when the disk bound
 * forces the `drop-oldest` overflow policy.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDirSync } from '../../common/private-files.ts';

/** One must-deliver item as stored: stable id (for de-duplication downstream), kind and data. */
export interface OutboxRecord {
  seq: number;
  id: string;
  kind: string;
  data: unknown;
}

interface Segment {
  firstSeq: number;
  lastSeq: number;
  path: string;
  bytes: number;
}

export type FsyncPolicy = 'always' | 'interval' | 'never';

const NAME = /^seg-(\d{16})\.jsonl$/;

function parseLine(line: string): OutboxRecord | undefined {
  try {
    const raw = JSON.parse(line) as { s?: unknown; i?: unknown; k?: unknown; d?: unknown };
    if (typeof raw.s !== 'number' || typeof raw.i !== 'string' || typeof raw.k !== 'string') return undefined;
    return { seq: raw.s, id: raw.i, kind: raw.k, data: raw.d };
  } catch {
    return undefined;
  }
}

export function encodeRecord(record: OutboxRecord): string {
  return `${JSON.stringify({ s: record.seq, i: record.id, k: record.kind, d: record.data })}\n`;
}

export class SegmentStore {
  readonly #segments: Segment[] = [];
  #active: { segment: Segment; handle: FileHandle } | undefined;
  /** Last parsed segment; valid only while the segment's size is unchanged (appends invalidate it). */
  #cache: { path: string; bytes: number; records: OutboxRecord[] } | undefined;
  #unsynced = false;
  /** Lines skipped on recovery because they were torn or not valid records. */
  tornLines = 0;

  constructor(
    readonly dir: string,
    readonly segmentBytes: number,
    readonly fsync: FsyncPolicy,
  ) {}

  /** Scans existing segments (sync, once at start); returns the highest stored seq (0 if none). */
  recover(): number {
    ensurePrivateDirSync(this.dir);
    let maxSeq = 0;
    const names = readdirSync(this.dir).filter((name) => NAME.test(name)).sort();
    for (const name of names) {
      const path = join(this.dir, name);
      const records = this.#parse(readFileSync(path, 'utf8'), true);
      const bytes = statSync(path).size;
      if (records.length === 0) {
        this.#segments.push({ firstSeq: Number(NAME.exec(name)?.[1]), lastSeq: Number(NAME.exec(name)?.[1]) - 1, path, bytes });
        continue;
      }
      const first = records[0] as OutboxRecord;
      const last = records[records.length - 1] as OutboxRecord;
      this.#segments.push({ firstSeq: first.seq, lastSeq: last.seq, path, bytes });
      maxSeq = Math.max(maxSeq, last.seq);
    }
    return maxSeq;
  }

  get totalBytes(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.bytes, 0);
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  /** Lowest seq still on disk, or undefined when the log is empty. */
  get firstSeq(): number | undefined {
    return this.#segments.find((segment) => segment.lastSeq >= segment.firstSeq)?.firstSeq;
  }

  /** Appends records (in seq order) to the active segment, rotating past `segmentBytes`. */
  async append(records: OutboxRecord[]): Promise<void> {
    if (records.length === 0) return;
    const first = records[0] as OutboxRecord;
    if (!this.#active || this.#active.segment.bytes >= this.segmentBytes) await this.#rotate(first.seq);
    const active = this.#active as { segment: Segment; handle: FileHandle };
    const text = records.map(encodeRecord).join('');
    const buffer = Buffer.from(text);
    try {
      // A write may be short (the disk filling up): loop until all is written or it fails.
      for (let offset = 0; offset < buffer.length; ) {
        const { bytesWritten } = await active.handle.write(buffer, offset, buffer.length - offset);
        if (bytesWritten <= 0) throw new Error(`outbox segment write made no progress (${active.segment.path})`);
        offset += bytesWritten;
      }
    } catch (error) {
      // Cut a partly written batch off, so the retry (append-log.ts) leaves no torn record behind.
      await active.handle.truncate(active.segment.bytes).catch(() => undefined);
      throw error;
    }
    active.segment.bytes += buffer.length;
    active.segment.lastSeq = (records[records.length - 1] as OutboxRecord).seq;
    if (this.#cache?.path === active.segment.path) this.#cache = undefined;
    if (this.fsync === 'always') await active.handle.sync();
    else this.#unsynced = true;
  }

  /** fsync for the `interval` policy (called by the outbox's timer). */
  async sync(): Promise<void> {
    if (!this.#unsynced || !this.#active) return;
    this.#unsynced = false;
    await this.#active.handle.sync();
  }

  /** Up to `max` records with seq ≥ `from`, in order, across segments. */
  async readFrom(from: number, max: number): Promise<OutboxRecord[]> {
    const out: OutboxRecord[] = [];
    for (const segment of this.#segments) {
      if (segment.lastSeq < from) continue;
      const records = await this.#records(segment);
      for (const record of records) {
        if (record.seq < from) continue;
        out.push(record);
        if (out.length >= max) return out;
      }
    }
    return out;
  }

  /** Deletes closed segments whose every record has seq ≤ `acked`. */
  async deleteThrough(acked: number): Promise<void> {
    while (this.#segments.length > 1) {
      const oldest = this.#segments[0] as Segment;
      if (oldest.lastSeq > acked || oldest === this.#active?.segment) return;
      await this.#delete(oldest);
    }
  }

  /** Drops the oldest segment (overflow); returns the range it held, or undefined if none can go. */
  async dropOldest(): Promise<{ firstSeq: number; lastSeq: number } | undefined> {
    const oldest = this.#segments[0];
    if (!oldest) return undefined;
    if (oldest === this.#active?.segment) {
      await this.#closeActive();
    }
    await this.#delete(oldest);
    return { firstSeq: oldest.firstSeq, lastSeq: oldest.lastSeq };
  }

  async close(): Promise<void> {
    await this.sync();
    await this.#closeActive();
  }

  async #rotate(firstSeq: number): Promise<void> {
    await this.#closeActive();
    const path = join(this.dir, `seg-${String(firstSeq).padStart(16, '0')}.jsonl`);
    const handle = await open(path, 'a', 0o600);
    const segment: Segment = { firstSeq, lastSeq: firstSeq - 1, path, bytes: 0 };
    this.#segments.push(segment);
    this.#active = { segment, handle };
  }

  async #closeActive(): Promise<void> {
    const active = this.#active;
    this.#active = undefined;
    if (!active) return;
    if (this.fsync !== 'never') await active.handle.sync().catch(() => undefined);
    await active.handle.close();
  }

  async #delete(segment: Segment): Promise<void> {
    const index = this.#segments.indexOf(segment);
    if (index >= 0) this.#segments.splice(index, 1);
    if (this.#cache?.path === segment.path) this.#cache = undefined;
    await rm(segment.path, { force: true });
  }

  async #records(segment: Segment): Promise<OutboxRecord[]> {
    if (this.#cache?.path === segment.path && this.#cache.bytes === segment.bytes) return this.#cache.records;
    // Size before reading: a read racing an append is cached under the old size, so it is re-read next time.
    const bytes = segment.bytes;
    let text: string;
    try {
      text = await readFile(segment.path, 'utf8');
    } catch {
      return [];
    }
    const records = this.#parse(text, false);
    this.#cache = { path: segment.path, bytes, records };
    return records;
  }

  #parse(text: string, count: boolean): OutboxRecord[] {
    const records: OutboxRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      const record = parseLine(line);
      if (record) records.push(record);
      else if (count) this.tornLines++;
    }
    return records;
  }
}
