/**
 * Snapshot metrics, registered on the detector's registry: what was written, what retention removed
 * (by reason), what was dropped instead of encoded (the encode bound), and the encode time. Each is
 * counted where it happens.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class SnapshotMetrics {
  readonly written: Counter<'camera'>;
  readonly removed: Counter<'reason'>;
  readonly dropped: Counter<'reason'>;
  readonly encodeMs: Histogram<'kind'>;
  readonly files: Gauge;
  readonly bytes: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.written = new Counter({ name: 'lookout_snapshots_written_total', help: 'Event snapshots written (a better one replacing an older one counts again)', labelNames: ['camera'], registers });
    this.removed = new Counter({ name: 'lookout_snapshots_removed_total', help: 'Snapshots removed: max_files, max_bytes, max_age, orphan (no row), temp (left by a crash)', labelNames: ['reason'], registers });
    this.dropped = new Counter({ name: 'lookout_snapshots_dropped_total', help: 'Snapshot candidates not encoded: busy (encode bound reached), no_frame (frame gone), error', labelNames: ['reason'], registers });
    this.encodeMs = new Histogram({ name: 'lookout_jpeg_encode_ms', help: 'JPEG encode time (draw + encode) in ms', labelNames: ['kind'], buckets: [2, 5, 10, 20, 40, 80, 160, 320], registers });
    this.files = new Gauge({ name: 'lookout_snapshot_files', help: 'Snapshot files on record', registers });
    this.bytes = new Gauge({ name: 'lookout_snapshot_bytes', help: 'Bytes of snapshot files on record', registers });
  }
}
