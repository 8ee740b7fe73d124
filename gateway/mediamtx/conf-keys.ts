/**
 * The config keys mediamtx v1.20.1 accepts, read from the fixture copied from the shared facts file
 * (json tags of Conf and Path in its source). mediamtx refuses a file with any unknown key, at start
 * (exit 1) and on hot reload (exit 0), so every key we write is checked against this list first.
 */
import { readFileSync } from 'node:fs';
import { packagePath } from '../../common/package-root.ts';
import { MediamtxConfigKeyError } from './errors.ts';

export const CONF_KEYS_FILE = packagePath('gateway', 'mediamtx', 'fixtures', 'mediamtx-conf-keys-v1.20.1.txt');

export interface ConfKeys {
  global: ReadonlySet<string>;
  path: ReadonlySet<string>;
  /** Keys still accepted but marked deprecated, with the replacement hint. */
  deprecated: ReadonlyMap<string, string>;
}

/** Parses the `global:key` / `path:key  # deprecated (...)` list format. */
export function parseConfKeys(text: string): ConfKeys {
  const global = new Set<string>();
  const path = new Set<string>();
  const deprecated = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(global|path):([A-Za-z0-9]+)\s*(?:#\s*(.*))?$/.exec(line);
    if (!match) throw new Error(`conf key list: cannot parse line "${line}"`);
    const [, scope, key, comment] = match as unknown as [string, 'global' | 'path', string, string | undefined];
    (scope === 'global' ? global : path).add(key);
    if (comment?.startsWith('deprecated')) deprecated.set(`${scope}:${key}`, comment);
  }
  return { global, path, deprecated };
}

let cached: ConfKeys | undefined;

/** The v1.20.1 list, loaded once. */
export function confKeysV1201(): ConfKeys {
  cached ??= parseConfKeys(readFileSync(CONF_KEYS_FILE, 'utf8'));
  return cached;
}

/**
 * Throws MediamtxConfigKeyError for the first key not in the list: top-level keys, `pathDefaults`
 * keys and the keys of every `paths` entry. Returns warnings for deprecated keys.
 */
export function checkConfKeys(config: Record<string, unknown>, keys: ConfKeys = confKeysV1201()): string[] {
  const warnings: string[] = [];
  const checkPathObject = (where: string, value: unknown) => {
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) throw new MediamtxConfigKeyError(where, 'must be a mapping of path keys');
    for (const key of Object.keys(value)) {
      if (!keys.path.has(key)) throw new MediamtxConfigKeyError(`${where}.${key}`, 'not a path key');
      const note = keys.deprecated.get(`path:${key}`);
      if (note) warnings.push(`${where}.${key}: ${note}`);
    }
  };
  for (const [key, value] of Object.entries(config)) {
    if (!keys.global.has(key)) throw new MediamtxConfigKeyError(key, 'not a global key');
    const note = keys.deprecated.get(`global:${key}`);
    if (note) warnings.push(`${key}: ${note}`);
    if (key === 'pathDefaults') checkPathObject('pathDefaults', value);
    if (key === 'paths' && value !== null && typeof value === 'object') {
      for (const [name, entry] of Object.entries(value)) checkPathObject(`paths.${name}`, entry);
    }
  }
  return warnings;
}
