// mediamtx.run: external (systemd/mediamtx.service): the gateway renders the config but spawns nothing,
// and `lookout render-mediamtx` writes the same file for the unit's ExecStartPre.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfig } from '../../../common/config/load.ts';
import { silentLogger } from '../../../common/log.ts';
import { createMediamtxIntegration } from '../integration.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'bin', 'lookout.js');

void test('run: external renders the effective config and starts no sidecar, even with no binary anywhere', async () => {
  const stateDir = await mkdtemp(join(tmpdir(), 'lookout-external-'));
  try {
    const config = parseConfig(
      { state_dir: stateDir, mediamtx: { run: 'external', base_config: join(REPO, 'mediamtx.yml') }, cameras: [{ id: 'door', source: 'testsrc://' }] },
      { env: {} },
    );
    const parts = createMediamtxIntegration(config, {
      logger: silentLogger(),
      manager: () => ({ acquireDemand: () => Promise.reject(new Error('unused')) }),
      env: { PATH: '/nonexistent' },
      cwd: REPO,
    });
    await parts.start?.();
    assert.equal(parts.sidecar(), undefined);
    const rendered = parse(await readFile(join(stateDir, 'mediamtx.effective.yml'), 'utf8')) as { paths: Record<string, unknown>; authMethod: string };
    assert.deepEqual(Object.keys(rendered.paths), ['door']);
    assert.equal(rendered.authMethod, 'http');
    await parts.stop?.();
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
});

void test('lookout render-mediamtx writes the file and prints its path; a bad config exits 1 naming the key', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookout-render-'));
  try {
    const good = join(dir, 'good.yml');
    await writeFile(good, `state_dir: ${dir}\nmediamtx:\n  run: external\n  base_config: ${join(REPO, 'mediamtx.yml')}\ncameras:\n  - id: yard\n    source: testsrc://\n    mode: on-demand\n`);
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'render-mediamtx', '--config', good], { timeout: 30_000 });
    assert.equal(stdout.trim(), join(dir, 'mediamtx.effective.yml'));
    const rendered = parse(await readFile(stdout.trim(), 'utf8')) as { paths: Record<string, { runOnDemand?: string }> };
    assert.match(rendered.paths.yard?.runOnDemand ?? '', /lookout\.js demand yard --gateway http:\/\/127\.0\.0\.1:8080$/);

    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'mediamtx:\n  run: sometimes\n');
    await assert.rejects(promisify(execFile)(process.execPath, [BIN, 'render-mediamtx', '--config', bad], { timeout: 30_000 }), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr ?? '', /mediamtx\.run: /);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
