import type { LookoutConfig } from '../common/config/schema.ts';
import { redactText } from '../common/redact.ts';

/**
 * What `lookout up` prints for a human: first the web page's address (what most people want),
 * then where to watch the streams, where the API is, and one line per detection event. Never
 * prints a credential (URLs pass through redaction).
 */

/** The web page's address (a wildcard bind is shown as loopback: the address that works on the box). */
export function pageUrl(config: LookoutConfig, httpPort?: number): string {
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return `http://${host}:${httpPort ?? config.http.port}/`;
}

/** The web page first, then viewer commands and API addresses for the running configuration. */
export function bannerLines(config: LookoutConfig, notes: { mediamtx: boolean; demo: boolean; httpPort?: number }): string[] {
  const host = config.mediamtx.host === '0.0.0.0' ? '127.0.0.1' : config.mediamtx.host;
  const api = pageUrl(config, notes.httpPort).slice(0, -1);
  const lines = [`Web page: ${pageUrl(config, notes.httpPort)}`, ''];
  if (notes.demo) {
    lines.push(
      'Lookout demo: one generated camera ("demo": a red and a green box moving), and the bundled test',
      'model, which reports them as a person and a car; the page shows them with their boxes.',
    );
  } else lines.push('Lookout is running.');
  if (notes.mediamtx) {
    lines.push('', 'Watch the streams:');
    for (const camera of config.cameras.filter((c) => c.enabled)) {
      const rtsp = `rtsp://${host}:${config.mediamtx.rtsp_port}/${camera.id}`;
      lines.push(
        `  ${camera.id}:`,
        `    ffplay -rtsp_transport tcp ${rtsp}`,
        `    vlc ${rtsp}`,
        `    HLS in a browser: http://${host}:${config.mediamtx.hls_port}/${camera.id}/`,
      );
    }
  } else {
    lines.push(
      '',
      'mediamtx was not found, so nothing is republished for viewers: the detector reads the',
      'source directly (detect.read_from: source). Install it with: bash scripts/install-mediamtx.sh',
    );
  }
  lines.push('', 'HTTP API:', `  curl ${api}/api/v1/events`, `  curl ${api}/healthz`, `  curl ${api}/metrics`);
  if (!config.mqtt && !config.nats) lines.push(`Events (no broker configured) are also written to ${config.state_dir}/events.jsonl.`);
  lines.push('', 'Stop with Ctrl-C (a second Ctrl-C stops at once).', '');
  return lines.map((line) => redactText(line));
}

/** One line for a detection event (Frigate-shaped `{type, after: {...}}` or flat); unknown shapes print as JSON. */
export function eventLine(record: unknown): string {
  if (record === null || typeof record !== 'object') return redactText(String(record));
  const outer = record as Record<string, unknown>;
  const inner = outer.after !== null && typeof outer.after === 'object' ? (outer.after as Record<string, unknown>) : outer;
  const text = (key: string) => (typeof inner[key] === 'string' || typeof inner[key] === 'number' ? String(inner[key]) : undefined);
  const camera = text('camera');
  const label = text('label');
  if (!camera || !label) return redactText(JSON.stringify(record).slice(0, 300));
  const seconds = typeof inner.frame_time === 'number' ? inner.frame_time : undefined;
  const time = (seconds ? new Date(seconds * 1000) : new Date()).toISOString();
  const score = typeof inner.score === 'number' ? ` ${(inner.score * 100).toFixed(0)}%` : '';
  const kind = typeof outer.type === 'string' ? outer.type : 'event';
  const track = text('id') ?? text('track_id');
  return redactText(`${time} ${camera} ${kind}: ${label}${score}${track ? ` (track ${track})` : ''}`);
}
