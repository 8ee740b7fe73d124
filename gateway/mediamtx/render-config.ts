/**
 * Renders the effective mediamtx config from the user-editable base (mediamtx.yml) plus lookout.yml.
 *
 * Facts this relies on (shared docs/mediamtx.md, v1.20.1):
 * - mediamtx reads YAML 1.1: unquoted yes/no/on/off become booleans and string enums then fail, so
 *   every string is written double-quoted (§2).
 * - Unknown keys are fatal (exit 1 at start, exit 0 on hot reload), so every key is checked (§2, §12.5).
 * - Lists replace defaults, never merge: what we write is all there is (§2).
 * - Durations are strings ("10s"); addresses are "host:port" strings (§2, §3).
 * - `overridePublisher: false`: a second publisher is refused (RTSP 400) instead of kicking the
 *   healthy one; a duplicated ffmpeg child fails loudly instead of silently replacing the stream (§12.2).
 */
import { isAbsolute, resolve } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import type { LookoutConfig } from '../../common/config/schema.ts';
import type { CameraConfig } from '../../common/config/schema-gateway.ts';
import { writeFileAtomicAsync } from '../../common/atomic-file.ts';
import { checkConfKeys } from './conf-keys.ts';
import { MediamtxConfigError } from './errors.ts';
import { LAUNCH_NODE_FLAGS } from '../../common/launch-tuning.ts';

/** Keys whose values are string enums in mediamtx: a YAML 1.1 boolean here would be refused. */
const STRING_ENUM_KEYS = ['rtspEncryption', 'rtmpEncryption', 'hlsEncryption', 'logLevel', 'authMethod', 'hlsVariant', 'apiEncryption', 'metricsEncryption', 'webrtcEncryption'];

export interface RenderOptions {
  /** Base URL of the gateway's HTTP server as seen from mediamtx, e.g. http://127.0.0.1:8080. */
  gatewayUrl: string;
  /** Node binary for the on-demand hook (default process.execPath). */
  nodePath?: string;
  /** Absolute path of bin/lookout.js. */
  lookoutBin: string;
}

export interface RenderedConfig {
  text: string;
  /** The config as an object (what the YAML text holds). */
  config: Record<string, unknown>;
  warnings: string[];
}

/** Parses the base file the way mediamtx would (YAML 1.1, one document, unique keys). */
export function parseBaseConfig(text: string, file = 'mediamtx.yml'): Record<string, unknown> {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true });
  if (doc.errors.length > 0) throw new MediamtxConfigError(`${file}: YAML: ${doc.errors[0]?.message.split('\n')[0] ?? 'parse error'}`);
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new MediamtxConfigError(`${file}: must be a mapping of mediamtx keys`);
  return value as Record<string, unknown>;
}

/** Milliseconds as a mediamtx duration string. */
export function durationString(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

/**
 * One argument of a hook command line. mediamtx splits with POSIX-like quoting and then expands
 * `$VAR` in every argument, even inside single quotes, so a `$` cannot be made safe: refuse it.
 */
export function hookArg(value: string): string {
  if (value.includes('$')) throw new MediamtxConfigError(`hook argument "${value}" contains "$", which mediamtx would expand`);
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * The runOnDemand command for one camera: the demand hook holding a lease from the gateway. It lives
 * as long as someone watches, one per camera, so it starts with the launch tuning's node flags (the
 * variables come from mediamtx's environment: integration.ts, systemd/mediamtx.service).
 */
export function demandCommand(cameraId: string, options: RenderOptions): string {
  return [options.nodePath ?? process.execPath, ...LAUNCH_NODE_FLAGS, options.lookoutBin, 'demand', cameraId, '--gateway', options.gatewayUrl].map(hookArg).join(' ');
}

function pathEntry(camera: CameraConfig, lookout: LookoutConfig, options: RenderOptions): Record<string, unknown> {
  const entry: Record<string, unknown> = { source: 'publisher', overridePublisher: false };
  if (camera.mode === 'on-demand') {
    entry.runOnDemand = demandCommand(camera.id, options);
    // Restart the hook (after mediamtx's fixed 5 s) if it exits: after a gateway restart it must
    // take a new lease, or readers would queue behind a command mediamtx still thinks runs (§6.4).
    entry.runOnDemandRestart = true;
    entry.runOnDemandStartTimeout = durationString(lookout.mediamtx.on_demand_start_timeout);
    entry.runOnDemandCloseAfter = durationString(lookout.mediamtx.on_demand_close_after);
  }
  return entry;
}

/** Builds the effective config object; throws MediamtxConfigError / MediamtxConfigKeyError. */
export function buildMediamtxConfig(base: Record<string, unknown>, lookout: LookoutConfig, options: RenderOptions): RenderedConfig {
  if ('paths' in base) {
    throw new MediamtxConfigError('mediamtx.yml: remove "paths": Lookout generates one path per camera from lookout.yml (other paths would bypass its auth model)');
  }
  if (!isAbsolute(options.lookoutBin)) throw new MediamtxConfigError(`lookoutBin must be absolute, got "${options.lookoutBin}"`);
  for (const key of STRING_ENUM_KEYS) {
    if (typeof base[key] === 'boolean') {
      throw new MediamtxConfigError(`mediamtx.yml: ${key} is read as a boolean (YAML 1.1); quote it, e.g. ${key}: "no"`);
    }
  }
  const m = lookout.mediamtx;
  const paths: Record<string, unknown> = {};
  for (const camera of lookout.cameras) if (camera.enabled) paths[camera.id] = pathEntry(camera, lookout, options);
  const config: Record<string, unknown> = {
    ...base,
    // Managed keys: ports come from lookout.yml so the gateway and mediamtx agree on them.
    rtspAddress: `:${m.rtsp_port}`,
    api: true,
    apiAddress: `127.0.0.1:${m.api_port}`,
    metricsAddress: `127.0.0.1:${m.metrics_port}`,
    hlsAddress: `:${m.hls_port}`,
    webrtcAddress: `:${m.webrtc_port}`,
    authMethod: 'http',
    authHTTPAddress: `${options.gatewayUrl.replace(/\/+$/, '')}/mediamtx/auth`,
    paths,
  };
  const warnings = checkConfKeys(config);
  const header = [
    '# GENERATED by Lookout from mediamtx.yml + lookout.yml. Do not edit: edit those and restart the gateway.',
    '# Lists here replace mediamtx defaults (they are never merged). Strings are quoted for YAML 1.1.',
    '',
  ].join('\n');
  const text = header + stringify(config, { version: '1.1', defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
  return { text, config, warnings };
}

/** Renders and writes atomically (temp + rename in the same directory). */
export async function renderMediamtxConfig(baseText: string, lookout: LookoutConfig, options: RenderOptions & { outFile: string }): Promise<RenderedConfig> {
  const rendered = buildMediamtxConfig(parseBaseConfig(baseText), lookout, options);
  await writeFileAtomicAsync(resolve(options.outFile), rendered.text);
  return rendered;
}
