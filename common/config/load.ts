import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { isSecretKey, redactText } from '../redact.ts';
import { lookoutConfigSchema, type LookoutConfig } from './schema.ts';

/** A config problem; `issues` each start with the key path, e.g. `cameras[1].id: ...`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly issues: string[],
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}invalid configuration:\n  ${issues.join('\n  ')}`);
  }
}

/** `${NAME}` in any string value is replaced by the environment variable NAME (for secrets). */
const ENV_REF = /\$\{([A-Z_][A-Z0-9_]*)\}/g;

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let node = root;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

/** URL user-info up to the last `@` of a quoted value: covers passwords with `/`, `@` or spaces. */
const QUOTED_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s"/@:]*):[^"]*@/gi;

function describeValue(path: ReadonlyArray<PropertyKey>, value: unknown): string {
  const last = path[path.length - 1];
  if (typeof last === 'string' && isSecretKey(last)) return '(value hidden)';
  if (value === undefined) return '(missing)';
  // Redact before cutting: a cut inside a password leaves no `@` for the redaction to find.
  let text = redactText((JSON.stringify(value) ?? String(value)).replace(QUOTED_USERINFO, '$1:***@'));
  if (text.length > 80) text = `${text.slice(0, 77)}...`;
  return `(got ${text})`;
}

function substituteEnv(node: unknown, env: NodeJS.ProcessEnv, path: PropertyKey[], issues: string[]): unknown {
  if (typeof node === 'string') {
    return node.replace(ENV_REF, (_all, name: string) => {
      const value = env[name];
      if (value === undefined) {
        issues.push(`${formatPath(path)}: environment variable ${name} is not set`);
        return '';
      }
      return value;
    });
  }
  if (Array.isArray(node)) return node.map((item, index) => substituteEnv(item, env, [...path, index], issues));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key] = substituteEnv(value, env, [...path, key], issues);
    return out;
  }
  return node;
}

function issueText(issue: z.core.$ZodIssue, raw: unknown): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
  }
  const message = issue.message.replace(/^Invalid input: /, '');
  return [`${formatPath(issue.path)}: ${message} ${describeValue(issue.path, valueAt(raw, issue.path))}`];
}

/** Validates an already-parsed object (YAML or JSON) into a typed config. */
export function parseConfig(raw: unknown, options: { env?: NodeJS.ProcessEnv; file?: string } = {}): LookoutConfig {
  const envIssues: string[] = [];
  const substituted = substituteEnv(raw ?? {}, options.env ?? process.env, [], envIssues);
  if (envIssues.length > 0) throw new ConfigError(envIssues, options.file);
  const result = lookoutConfigSchema.safeParse(substituted);
  if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => issueText(issue, substituted)), options.file);
  return result.data;
}

/** Parses YAML text; YAML syntax errors name the line. */
export function parseConfigText(text: string, options: { env?: NodeJS.ProcessEnv; file?: string } = {}): LookoutConfig {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => `YAML: ${error.message.split('\n')[0] ?? error.message}`),
      options.file,
    );
  }
  return parseConfig(doc.toJS(), options);
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): LookoutConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`], file);
  }
  return parseConfigText(text, { env, file });
}
