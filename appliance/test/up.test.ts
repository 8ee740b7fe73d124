import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseConfig } from '../../common/config/load.ts';
import { silentLogger } from '../../common/log.ts';
import { demoConfig } from '../demo-config.ts';
import { runUp, type ShutdownTrigger } from '../up.ts';

const FAKE_DETECTOR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-detector.mjs');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function trigger() {
  let request!: () => void;
  let now!: () => void;
  const shutdown: ShutdownTrigger = {
    requested: new Promise((resolve) => {
      request = resolve;
    }),
    immediate: new Promise((resolve) => {
      now = resolve;
    }),
  };
  return { shutdown, request, now };
}

async function until(what: string, check: () => boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// No mediamtx here (PATH without it): the demo camera stays idle and the detector reads the source.
const ENV = { PATH: '/usr/bin:/bin', LOOKOUT_LOG_LEVEL: 'silent' };

/** `runUp` in a fresh temp dir (removed after the test) with the fake detector as its child. */
function startUp(t: TestContext, options: { demo: boolean; detectorArgs?: string[] }) {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-up-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  const control = trigger();
  const running = runUp({
    configPath: join(dir, 'lookout.yml'),
    configExplicit: false,
    demo: options.demo,
    logger: silentLogger(),
    out: (line) => lines.push(line),
    shutdown: control.shutdown,
    env: ENV,
    demoStateDir: join(dir, 'state'),
    demoHttpPort: 0,
    detectorCommand: { command: process.execPath, args: [FAKE_DETECTOR, join(dir, 'state', 'demo.lookout.yml'), ...(options.detectorArgs ?? [])] },
  });
  running.catch(() => undefined);
  return { dir, lines, running, request: control.request, now: control.now };
}


void test('demo: a crashing detector is restarted while the gateway keeps serving; events are printed; shutdown is clean', async (t) => {
  const { dir, lines, running, request } = startUp(t, { demo: false });
  await until('the banner', () => lines.some((line) => line.includes('/healthz')));
  assert.ok(lines.some((line) => line.includes('mediamtx was not found')), 'says the demo runs without mediamtx');
  const api = /curl (http:\/\/127\.0\.0\.1:\d+)\/healthz/.exec(lines.join('\n'))?.[1];
  assert.ok(api && !api.endsWith(':0'), `API address in the banner: ${api}`);
  // Three detector runs (each prints one event and crashes) while the gateway answers throughout.
  await until('three detector events', () => lines.filter((line) => / demo new: person 91%/.test(line)).length >= 3);
  const health = await fetch(`${api}/healthz`);
  assert.equal(health.status, 200);
  // The detector child's config file, read back as the child reads it, gives the demo's settings
  // (parsed durations are milliseconds: writing those back made the child's waits 1000× too long).
  const childConfig = parseConfig(parseYaml(readFileSync(join(dir, 'state', 'demo.lookout.yml'), 'utf8')), { env: {}, file: 'demo.lookout.yml' });
  assert.equal(childConfig.detector.inference_timeout, 5000);
  assert.equal(childConfig.shutdown_timeout, demoConfig({ stateDir: '/x', mediamtx: false }).shutdown_timeout);
  // The detector child's events are served by the gateway's HTTP API too.
  const events = (await (await fetch(`${api}/api/v1/events?limit=10`)).json()) as { data: Array<{ after: { label: string } }> };
  assert.ok(events.data.length >= 3, JSON.stringify(events));
  assert.equal(events.data[0]?.after.label, 'person');
  const pids = new Set(lines.filter((line) => line.includes('(track ')).map((line) => /\(track (\d+)\)/.exec(line)?.[1]));
  assert.ok(pids.size >= 3, 'each event came from a new detector process');
  request();
  const started = Date.now();
  assert.equal(await running, 0);
  assert.ok(Date.now() - started < 15_000);
  await assert.rejects(fetch(`${api}/healthz`), 'the gateway HTTP server is closed');
});

void test('a second signal stops at once even when the detector ignores SIGTERM', async (t) => {
  const { lines, running, request, now } = startUp(t, { demo: true, detectorArgs: ['stubborn'] });
  await until('the detector event', () => lines.some((line) => line.includes('(track ')));
  const pid = Number(/\(track (\d+)\)/.exec(lines.find((line) => line.includes('(track ')) ?? '')?.[1]);
  request();
  await sleep(500);
  const started = Date.now();
  now();
  assert.equal(await running, 1);
  assert.ok(Date.now() - started < 3000, 'immediate');
  await until('the stubborn detector is gone', () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 5000);
});

void test('an explicit --config that does not exist is an error, not the demo', async () => {
  const { shutdown } = trigger();
  await assert.rejects(
    runUp({ configPath: '/nonexistent/lookout.yml', configExplicit: true, demo: false, logger: silentLogger(), out: () => undefined, shutdown, env: ENV }),
    /no such file/,
  );
});
