import type { z } from 'zod';
import { lookoutConfigSchema } from '../common/config/schema.ts';

/**
 * Every settable key of lookout.yml, read from the zod schema itself, so the example config and
 * the configuration reference cannot silently fall behind the schema (a test compares them).
 */
export interface ConfigKey {
  /** e.g. `cameras[].detect.fps`, `mqtt.home_assistant.enabled`, `detect.label_scores.<label>`. */
  path: string;
  /** Short type text: `string`, `number`, `boolean`, `duration`, `"a" | "b"`, `list of string`... */
  type: string;
  /** The default, when the schema has one (durations as written, e.g. "10s"). */
  default?: unknown;
  /** True when the key may be left out (it has a default or is optional). */
  optional: boolean;
}

type Def = { type: string } & Record<string, unknown>;

function defOf(schema: unknown): Def {
  return (schema as { _zod: { def: Def } })._zod.def;
}

function typeText(schema: unknown): string {
  const def = defOf(schema);
  switch (def.type) {
    case 'enum':
      return Object.keys(def.entries as Record<string, string>)
        .map((value) => JSON.stringify(value))
        .join(' | ');
    case 'array':
      return `list of ${typeText(def.element)}`;
    case 'record':
      return `map of ${typeText(def.valueType)}`;
    case 'union':
      return (def.options as unknown[]).map(typeText).join(' | ');
    case 'default':
    case 'prefault':
    case 'optional':
      return typeText(def.innerType);
    case 'pipe':
      return typeText(def.in) === 'string | number' ? 'duration' : typeText(def.in);
    default:
      return def.type;
  }
}

/** Unwraps default/prefault/optional/pipe; reports the default and optionality found on the way. */
function unwrap(schema: unknown): { inner: unknown; optional: boolean; default?: unknown; duration: boolean } {
  let node = schema;
  let optional = false;
  let value: unknown;
  let duration = false;
  for (;;) {
    const def = defOf(node);
    if (def.type === 'default' || def.type === 'prefault') {
      optional = true;
      if (value === undefined && def.type === 'default') value = def.defaultValue;
      node = def.innerType;
    } else if (def.type === 'optional') {
      optional = true;
      node = def.innerType;
    } else if (def.type === 'pipe') {
      duration = typeText(node) === 'duration';
      node = def.in;
    } else {
      return { inner: node, optional, ...(value !== undefined ? { default: value } : {}), duration };
    }
  }
}

function walk(schema: unknown, prefix: string, out: ConfigKey[]): void {
  const shape = defOf(schema).shape as Record<string, unknown>;
  for (const [key, field] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const { inner, optional, default: value, duration } = unwrap(field);
    const def = defOf(inner);
    if (def.type === 'object') {
      walk(inner, path, out);
      continue;
    }
    if (def.type === 'array' && defOf(unwrap(def.element).inner).type === 'object') {
      walk(unwrap(def.element).inner, `${path}[]`, out);
      continue;
    }
    out.push({ path, type: duration ? 'duration' : typeText(inner), optional, ...(value !== undefined ? { default: value } : {}) });
  }
}

/** All leaf keys of the lookout.yml schema, in declaration order. */
export function configKeys(schema: z.ZodType = lookoutConfigSchema): ConfigKey[] {
  const out: ConfigKey[] = [];
  walk(schema, '', out);
  return out;
}

/** Leaf key paths present in a parsed YAML object (arrays of objects as `[]`, records as leaves). */
export function presentKeys(node: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) if (item !== null && typeof item === 'object' && !Array.isArray(item)) presentKeys(item, `${prefix}[]`, out);
    if (!node.some((item) => item !== null && typeof item === 'object')) out.add(prefix);
    return out;
  }
  if (node === null || typeof node !== 'object') {
    out.add(prefix);
    return out;
  }
  for (const [key, value] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.add(path);
    presentKeys(value, path, out);
  }
  return out;
}
