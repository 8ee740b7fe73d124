/**
 * Tracking settings for `lookout detect`: a camera's `zones`, `objects` and `events` from a
 * `--zones FILE` (YAML or JSON with just those three keys, validated by the camera schema so the
 * rules and messages are the same as in lookout.yml), or from the camera of a `--config` file.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ConfigError, loadConfigFile, parseConfig } from '../../common/config/load.ts';
import { trackSettingsFromCamera, type TrackSettings } from './settings.ts';

const FILE_KEYS = new Set(['zones', 'objects', 'events']);

/** Reads and validates a zones file; errors name the key path inside the file. */
export function trackSettingsFromZonesFile(file: string, fps: number | undefined): TrackSettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`], file);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(doc.errors.map((error) => `YAML: ${error.message.split('\n')[0] ?? error.message}`), file);
  const raw: unknown = doc.toJS() ?? {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(['(root): must be a map with zones, objects and/or events'], file);
  const unknown = Object.keys(raw).filter((key) => !FILE_KEYS.has(key));
  if (unknown.length > 0) throw new ConfigError(unknown.map((key) => `${key}: unknown key (a zones file has zones, objects and events)`), file);
  // Validated as the one camera of a config, so every camera rule applies; the path prefix is dropped.
  let camera;
  try {
    camera = parseConfig({ cameras: [{ id: 'cli', source: 'rtsp://127.0.0.1/cli', ...raw }] }, { env: {} }).cameras[0]!;
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.issues.map((issue) => issue.replace(/^cameras\[0\]\./, '')), file);
    throw error;
  }
  return trackSettingsFromCamera(camera, fps);
}

/** The tracking settings of a camera in a config file (the only camera when `cameraId` is not given). */
export function trackSettingsFromConfigCamera(file: string, cameraId: string | undefined, fps: number | undefined): TrackSettings | undefined {
  const config = loadConfigFile(file);
  const camera = cameraId === undefined ? (config.cameras.length === 1 ? config.cameras[0] : undefined) : config.cameras.find((item) => item.id === cameraId);
  return camera ? trackSettingsFromCamera(camera, fps) : undefined;
}
