// The architecture rules in eslint.config.js (docs/architecture.md) are checked here against small
// probe sources, so the rules cannot silently stop matching (a regex typo, a later config block
// switching them off): the one-way service graph (no-restricted-imports per folder) and "waits go
// through common/lifecycle" (no-restricted-syntax). Runs the repository's real ESLint config; type-
// aware rules are switched off for the probes because the probe files exist only in memory.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { default: config } = (await import(pathToFileURL(join(REPO, 'eslint.config.js')).href)) as { default: Linter.Config[] };
const eslint = new ESLint({ cwd: REPO, overrideConfigFile: true, overrideConfig: [...config, tseslint.configs.disableTypeChecked as Linter.Config] });

/** Rule ids reported for `code` placed at `path` (repository-relative). */
async function rulesHit(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO, path) });
  return (result?.messages ?? []).map((message) => message.ruleId ?? `fatal: ${message.message}`);
}

const graph: Array<[string, string, boolean]> = [
  ['detector/probe.ts', "import { x } from '../gateway/pipeline.ts';", false],
  ['gateway/probe.ts', "import { x } from '../detector/service.ts';", false],
  ['gateway/mediamtx/probe.ts', "import { x } from '../../control/outbox/outbox.ts';", false],
  ['control/probe.ts', "import { x } from '../gateway/service.ts';", false],
  ['control/probe.ts', "import { x } from '../detector/service.ts';", false],
  ['common/config/probe.ts', "import { x } from '../../gateway/pipeline/pipeline.ts';", false],
  ['appliance/probe.ts', "import { x } from '../cli/main.ts';", false],
  ['detector/decode/probe.ts', "import { x } from '../../gateway/ffmpeg/publish-args.ts';", false],
  ['control/mqtt/probe.ts', "import { x } from '../../detector/service.ts';", false],
  ['control/mqtt/probe.ts', "import { x } from '../commands/command-table.ts';", true],
  ['detector/inference/probe.ts', "import { x } from '../model/types.ts';", true],
  ['gateway/probe.ts', "import { x } from '../common/lifecycle/deadline.ts';", true],
  ['detector/probe.ts', "import { x } from './model/types.ts';", true],
  ['appliance/probe.ts', "import { x } from '../gateway/service.ts';", true],
  ['cli/probe.ts', "import { x } from '../appliance/up.ts';", true],
  ['control/test/probe.test.ts', "import { x } from '../../gateway/service.ts';", true],
];

for (const [path, code, allowed] of graph) {
  void test(`service graph: ${path} ${code} is ${allowed ? 'allowed' : 'refused'}`, async () => {
    const hits = await rulesHit(path, `${code}\nexport const y = x;\n`);
    assert.equal(hits.includes('no-restricted-imports'), !allowed, hits.join(', '));
  });
}

const waits: Array<[string, string, boolean]> = [
  ['gateway/probe.ts', 'export const r = Promise.race([Promise.resolve(1)]);', false],
  ['detector/test/probe.test.ts', 'export const r = Promise.race([Promise.resolve(1)]);', false],
  ['control/probe.ts', 'export const p = new Promise((resolve) => setTimeout(resolve, 10));', false],
  ['common/child/probe.ts', 'export const p = new Promise((resolve) => {\n  setTimeout(resolve, 10);\n});', false],
  ['common/child/probe.ts', 'export const p = new Promise((resolve) => {\n  setTimeout(resolve, 10).unref();\n});', false],
  // an event wait with its own deadline timer is not a sleep: allowed
  ['appliance/probe.ts', 'export const p = new Promise((resolve) => {\n  const timer = setTimeout(resolve, 10);\n  process.once("exit", () => clearTimeout(timer));\n});', true],
  ['common/lifecycle/probe.ts', 'export const r = Promise.race([Promise.resolve(1)]);', true],
  ['detector/test/probe.test.ts', 'export const p = new Promise((resolve) => setTimeout(resolve, 10));', true],
  ['gateway/probe.ts', "import { sleep } from '../common/lifecycle/sleep.ts';\nexport const p = sleep(10);", true],
];

for (const [path, code, allowed] of waits) {
  void test(`waits: ${path} "${code.split('\n').pop()}" is ${allowed ? 'allowed' : 'refused'}`, async () => {
    const hits = await rulesHit(path, code);
    assert.ok(!hits.some((hit) => hit.startsWith('fatal')), hits.join(', '));
    assert.equal(hits.includes('no-restricted-syntax'), !allowed, hits.join(', '));
  });
}
