import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { SupervisedChild } from '../../common/child/supervised-child.ts';
import { freePort } from '../../test/support/brokers.ts';
import { CAR, PERSON, renderClip, tempDir } from './clips.ts';

const LOOKOUT = fileURLToPath(new URL('../../bin/lookout.js', import.meta.url));
const dir = tempDir();
const clip = join(dir.path, 'boxes.mp4');
before(() => renderClip(clip, { width: 640, height: 360, fps: 10, seconds: 3, gop: 10, boxes: [{ ...PERSON, x0: 50, y0: 50, width: 120, height: 100, vx: 40 }, { ...CAR, x0: 400, y0: 200, width: 100, height: 80, vx: -40, vy: 0 }] }));
after(() => dir.dispose());

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

void test('lookout detector --config runs the service: ready, tracks logged, pause over HTTP, SIGTERM stops cleanly', async () => {
  const port = await freePort();
  const configFile = join(dir.path, 'lookout.yml');
  writeFileSync(
    configFile,
    [
      'shutdown_timeout: 10s',
      'log_level: info',
      `state_dir: ${join(dir.path, 'state')}`,
      'detector:',
      '  hwaccel: none',
      '  threads: 1',
      `  http: { host: 127.0.0.1, port: ${port} }`,
      'cameras:',
      '  - id: yard',
      `    source: file://${clip}`,
      '    detect: { fps: 5, read_from: source }',
      '',
    ].join('\n'),
  );
  const lines: string[] = [];
  const child = SupervisedChild.spawn({ name: 'lookout-detector', command: process.execPath, args: [LOOKOUT, 'detector', '--config', configFile], termGraceMs: 15_000, onStdout: (chunk) => lines.push(chunk.toString()) });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), 30_000);
    // Track events reach the outputs: the control plane's embedded default (events.jsonl in
    // state_dir) when it is present, else the log.
    const events = join(dir.path, 'state', 'events.jsonl');
    await waitFor(async () => (/"label":"person"/.test(lines.join('') + (existsSync(events) ? readFileSync(events, 'utf8') : '')) ? true : undefined), 30_000);
    const paused = (await (await fetch(`${base}/api/v1/detect/cameras/yard/pause`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { data: { state: string; pid?: number } };
    assert.equal(paused.data.state, 'paused');
    assert.equal(paused.data.pid, undefined);
    const resumed = (await (await fetch(`${base}/api/v1/detect/cameras/yard/resume`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { data: { state: string } };
    assert.equal(resumed.data.state, 'running');
  } finally {
    child.kill('SIGTERM');
  }
  const exit = await child.exited;
  assert.equal(exit.code, 0, child.stderrTail().join('\n'));
  assert.match(lines.join(''), /"msg":"detector stopped"/);
});
