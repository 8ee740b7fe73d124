#!/usr/bin/env node
// Fails when the sources run an external program that the tool list in scripts/setup.sh (the list
// it installs from, between `<<'TOOLS'` and `TOOLS`) does not name: a fresh machine set up by the README would then miss it. Finds the
// programs statically: the first argument of spawn/spawnSync/execa/execFile/execFileSync/run calls,
// `command:` and `executablePath:` fields (SupervisedChild specs, puppeteer), broker constructors in
// the test support, and `command -v NAME` probes in shell scripts. String literals (also in `a ?? 'b'`
// or `c ? 'd' : 'e'`), local constants holding them and process.execPath are resolved; anything else
// (a path from config or a parameter) is listed as unresolved and does not fail the check.
//
// usage: node scripts/check-tools.mjs [--root DIR] [--verbose]
// exit: 0 every program is listed, 1 some are not, 64 bad usage.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SOURCE_DIRS = ['bin', 'cli', 'common', 'gateway', 'detector', 'control', 'appliance', 'test', 'scripts', 'systemd', 'deploy', '.ci'];
/** Fake executables the tests write or ship (named as such) are not programs a machine needs. */
const EXCLUDED_DIRS = new Set(['node_modules', '.tmp', '.git']);
const EXCLUDED_PATHS = ['test/fixtures/bin'];
const SOURCE_FILE = /\.(ts|mjs|js|sh)$/;
const CALL = /(?<![\w.#$])(spawn|spawnSync|execa|execaSync|execFile|execFileSync|execFileAsync|run|runHelper|spawnDetached|new Mosquitto|new NatsServer)\s*\(/g;
const FIELD = /(?<![\w.])(command|executablePath)\s*:\s*/g;
const SHELL_PROBE = /command -v ([A-Za-z0-9_.+-]+)/g;
const LITERAL = /'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`$\\\n]*)`/g;
const PROGRAM = /^[A-Za-z0-9_./+-]+$/;

/** The tool list's lines inside scripts/setup.sh (its `TOOL_LIST` here-document). */
export function toolListOf(setupScript) {
  const lines = setupScript.split('\n');
  const start = lines.findIndex((line) => line.endsWith("<<'TOOLS'"));
  const end = lines.findIndex((line, i) => i > start && line === 'TOOLS');
  if (start < 0 || end < 0) throw new Error("scripts/setup.sh has no tool list (a <<'TOOLS' here-document)");
  return lines.slice(start + 1, end).join('\n');
}

/** Parses the tool list: program → { source, scope }, as setup.sh reads it. */
export function readToolList(text) {
  const tools = new Map();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const [program, source, scope] = line.split(/\s+/);
    if (!program || !source || (scope !== 'run' && scope !== 'dev')) {
      throw new Error(`tools list line ${i + 1}: expected "program source run|dev why", got: ${raw}`);
    }
    tools.set(program, { source, scope });
  });
  return tools;
}

/** The text of the expression starting at `start`, up to the first top-level `,` `)` `}` `;` or newline. */
function expressionAt(text, start) {
  let depth = 0;
  let quote = '';
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (depth > 0 && (c === ')' || c === ']' || c === '}')) depth--;
    else if (depth === 0 && (c === ',' || c === ')' || c === '}' || c === ';' || c === '\n')) return text.slice(start, i).trim();
  }
  return text.slice(start).trim();
}

/** Program names an argument expression can evaluate to; [] when it is not a program; undefined when unknown. */
export function resolveProgram(expression, fileText, depth = 0) {
  const expr = expression.trim();
  if (expr === '' || expr.startsWith('[') || expr.startsWith('{') || expr === 'string' || /^(readonly\s+)?string\b/.test(expr)) return [];
  if (expr === 'process.execPath') return ['node'];
  if (/^[\w$]+\??\s*:/.test(expr)) return []; // a parameter declaration (a definition, not a call)
  // A test fixture's fake executable (test/fixtures/bin, excluded), or a path joined from parts (unknown).
  if (/fixture/i.test(expr)) return [];
  if (/^(join|resolve|fileURLToPath)\(/.test(expr)) return undefined;
  // A call's arguments are not a program name (mkdtempSync(join(tmpdir(), 'x-'))), unless a default follows.
  if (/^[\w$.]+\(/.test(expr) && !/ \?\?? /.test(expr)) return undefined;
  const literals = [...expr.matchAll(LITERAL)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  if (literals.length > 0) {
    const programs = literals.filter((value) => PROGRAM.test(value) && !value.startsWith('-')).map((value) => basename(value));
    return programs.length > 0 ? [...new Set(programs)] : undefined;
  }
  if (/^[A-Za-z_$][\w$]*$/.test(expr) && depth < 2) {
    const definition = new RegExp(`(?:const|let)\\s+${expr}\\s*(?::[^=]+)?=\\s*`).exec(fileText);
    if (definition) return resolveProgram(expressionAt(fileText, definition.index + definition[0].length), fileText, depth + 1);
  }
  return undefined;
}

function sourceFiles(root, dir, out = []) {
  let entries;
  try {
    entries = readdirSync(join(root, dir));
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    if (EXCLUDED_DIRS.has(entry) || EXCLUDED_PATHS.includes(path)) continue;
    if (statSync(join(root, path)).isDirectory()) sourceFiles(root, path, out);
    else if (SOURCE_FILE.test(entry) || path === join('.ci', 'run')) out.push(path);
  }
  return out;
}

const lineOf = (text, index) => text.slice(0, index).split('\n').length;
/** True when the match sits inside a one-line string literal (an odd count of a quote before it on its line). */
function insideString(text, index) {
  const before = text.slice(text.lastIndexOf('\n', index) + 1, index).replace(/\\./g, '');
  return ["'", '"', '`'].some((quote) => before.split(quote).length % 2 === 0);
}
const isComment = (text, index) => /^\s*(\/\/|\/?\*|#)/.test(text.slice(text.lastIndexOf('\n', index) + 1, index));

/** Every call site that runs a program: { file, line, expression, programs (undefined = unresolved) }. */
export function findSpawnSites(root) {
  const sites = [];
  for (const file of SOURCE_DIRS.flatMap((dir) => sourceFiles(root, dir))) {
    const text = readFileSync(join(root, file), 'utf8');
    const add = (index, expression, programs) => {
      if (!isComment(text, index) && !insideString(text, index) && (programs === undefined || programs.length > 0)) sites.push({ file, line: lineOf(text, index), expression, programs });
    };
    if (file.endsWith('.sh') || file === join('.ci', 'run')) {
      for (const m of text.matchAll(SHELL_PROBE)) add(m.index, m[0], [m[1]]);
      continue;
    }
    for (const m of text.matchAll(CALL)) {
      if (/(function\s*\*?\s*|async\s+)$/.test(text.slice(Math.max(0, m.index - 20), m.index))) continue; // a definition, not a call
      const expression = expressionAt(text, m.index + m[0].length);
      add(m.index, expression, resolveProgram(expression, text));
    }
    for (const m of text.matchAll(FIELD)) {
      // A child spec carries `args` beside `command` (control commands and type fields do not).
      if (m[1] === 'command' && !/\bargs\s*:/.test(text.slice(m.index, m.index + 400).split(/\n\s*\}/)[0] ?? '')) continue;
      const expression = expressionAt(text, m.index + m[0].length);
      add(m.index, expression, resolveProgram(expression, text));
    }
  }
  return sites;
}

/** Programs the sources run that the list does not name, each with the places that run it. */
export function missingTools(sites, tools) {
  const missing = new Map();
  for (const site of sites) {
    for (const program of site.programs ?? []) {
      if (tools.has(program)) continue;
      missing.set(program, [...(missing.get(program) ?? []), `${site.file}:${site.line}`]);
    }
  }
  return missing;
}

function main() {
  const here = dirname(fileURLToPath(import.meta.url));
  let values;
  try {
    ({ values } = parseArgs({ options: { root: { type: 'string', default: join(here, '..') }, verbose: { type: 'boolean', default: false } } }));
  } catch (error) {
    console.error(`check-tools: ${error.message}`);
    process.exit(64);
  }
  const setupScript = join(values.root, 'scripts', 'setup.sh');
  const tools = readToolList(toolListOf(readFileSync(setupScript, 'utf8')));
  const listName = `the tool list in ${relative(process.cwd(), setupScript) || setupScript}`;
  const sites = findSpawnSites(values.root);
  const missing = missingTools(sites, tools);
  const unresolved = sites.filter((site) => site.programs === undefined);
  const used = new Set(sites.flatMap((site) => site.programs ?? []));
  if (values.verbose) {
    for (const program of [...used].sort()) console.log(`  ${program.padEnd(22)} ${tools.get(program)?.source ?? 'NOT LISTED'}`);
    for (const site of unresolved) console.log(`  unresolved  ${site.file}:${site.line}  ${site.expression}`);
  }
  if (missing.size > 0) {
    for (const [program, places] of missing) console.error(`check-tools: ${program} is run by ${places.join(', ')} but is not in ${listName}`);
    console.error('check-tools: add each to the tool list (program, Debian package, run|dev) so scripts/setup.sh installs it');
    process.exit(1);
  }
  console.log(`check-tools: ${used.size} programs run by the sources, all in setup.sh's tool list (${sites.length} call sites, ${unresolved.length} take a configured path)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
