import { readFileSync } from 'node:fs';
import { packagePath } from '../common/package-root.ts';

/** deploy/lookout.example.yml, the commented example covering every option. */
export const EXAMPLE_CONFIG_PATH = packagePath('deploy', 'lookout.example.yml');

/** Environment the example's `${NAME}` references need (dummy values, for validation and tests). */
export const EXAMPLE_ENV: Readonly<Record<string, string>> = {
  FRONT_DOOR_PASSWORD: 'example-camera-password',
  LOOKOUT_HTTP_TOKEN: 'example-http-token',
  LOOKOUT_DETECTOR_PASSWORD: 'example-detector-password',
  MQTT_PASSWORD: 'example-mqtt-password',
  NATS_TOKEN: 'example-nats-token',
  NATS_PASSWORD: 'example-nats-password',
};

const OPTIONAL_LINE = /^(\s*)#: ?(.*)$/;

/**
 * The example with every optional "#: " line switched on. A commented block that repeats a key
 * replaces the active line right above it (e.g. `viewers: []` followed by `#: viewers:`).
 */
export function exampleWithAllOptions(text = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8')): string {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const match = OPTIONAL_LINE.exec(line);
    if (!match) {
      out.push(line);
      continue;
    }
    const uncommented = `${match[1] ?? ''}${match[2] ?? ''}`;
    const key = /^(\s*)([a-z_]+):/.exec(uncommented);
    if (key) {
      // Drop an active line with the same key and indent just above (skipping comment lines).
      for (let j = out.length - 1; j >= 0; j--) {
        const previous = out[j] ?? '';
        if (/^\s*#/.test(previous)) continue;
        if (previous.startsWith(`${key[1] ?? ''}${key[2] ?? ''}:`)) out.splice(j, 1);
        break;
      }
    }
    out.push(uncommented);
  }
  return out.join('\n');
}
