import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { parseConfig } from '../../common/config/load.ts';
import { silentLogger } from '../../common/log.ts';
import { demoConfigInput } from '../demo-config.ts';
import { startGateway } from '../gateway-runner.ts';
import { runUp, type ShutdownTrigger } from '../up.ts';

/**
 * The web page in a real browser: Debian's chromium driven by puppeteer-core (no browser download),
 * against `lookout up --demo` (runUp with the demo configuration: the real gateway, its HTTP
 * server, the page and the proxy, the detector as a supervised child process) — once with the real
 * detector, once with the FAKE detector API in its place (fast, and independent of the model).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HERE = dirname(fileURLToPath(import.meta.url));
const FAKE_DETECTOR_API = join(HERE, '..', '..', 'gateway', 'web', 'test', 'fake-detector-api.ts');
const TSX = import.meta.resolve('tsx');
const ENV = { PATH: '/usr/bin:/bin', LOOKOUT_LOG_LEVEL: 'silent' };
// Without these, chromium keeps trying the (closed) network: updates, sync, field trials, QUIC.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Cleanups run last-registered first, in one place (the browser before `up`, both before the temp dir goes). */
class Cleanups {
  readonly #steps: Array<() => Promise<unknown> | unknown> = [];
  add(step: () => Promise<unknown> | unknown): void {
    this.#steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.#steps.reverse()) await step();
  }
}

/** `lookout up --demo` in a temp dir; the detector child is `detector` (argv after the node binary). */
async function startDemo(t: Cleanups, dir: string, detector: { command: string; args: string[] }): Promise<string> {
  let request!: () => void;
  const shutdown: ShutdownTrigger = { requested: new Promise((resolve) => (request = resolve)), immediate: new Promise(() => undefined) };
  const lines: string[] = [];
  const running = runUp({
    configPath: join(dir, 'lookout.yml'),
    configExplicit: false,
    demo: true,
    logger: silentLogger(),
    out: (line) => lines.push(line),
    shutdown,
    env: ENV,
    demoStateDir: join(dir, 'state'),
    demoHttpPort: 0,
    detectorCommand: detector,
  });
  running.catch(() => undefined);
  t.add(async () => {
    request();
    assert.equal(await running, 0, 'clean stop');
  });
  await until('the banner', () => lines.some((line) => line.includes('/healthz')) || undefined);
  const first = lines[0] ?? '';
  const url = /^Web page: (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(first)?.[1];
  assert.ok(url, `the page URL is the first line printed: ${first}`);
  return url;
}

async function launch(t: Cleanups, dir: string): Promise<{ browser: Browser; errors: string[]; open(width: number, height: number): Promise<Page> }> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    userDataDir: join(dir, 'chromium-profile'),
    args: CHROMIUM_FLAGS,
    timeout: 60_000,
    protocolTimeout: 60_000,
  });
  const pid = browser.process()?.pid;
  t.add(async () => {
    await browser.close();
    if (pid !== undefined) await until('chromium to exit', () => (existsSync(`/proc/${pid}`) ? undefined : true), 10_000);
  });
  const errors: string[] = [];
  const open = async (width: number, height: number) => {
    const page = await browser.newPage();
    await page.setViewport({ width, height, deviceScaleFactor: 1 });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn') errors.push(`${width}px console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`${width}px page error: ${error instanceof Error ? error.message : String(error)}`));
    // Which request a "Failed to load resource" console error was about.
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`${width}px HTTP ${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`);
    });
    return page;
  };
  return { browser, errors, open };
}

async function gatewayState(base: string, camera: string): Promise<string> {
  const body = (await (await fetch(`${base}api/v1/cameras/${camera}`)).json()) as { data: { state: string } };
  return body.data.state;
}

/** Draws the tile's image on a canvas: its natural size and how many distinct colours a 32×18 sample has. */
async function sampleTileImage(page: Page, camera: string): Promise<{ width: number; height: number; colours: number }> {
  // Browser-side code as text: this project's TypeScript has no DOM types outside web/.
  return page.evaluate(`(() => {
    const img = document.querySelector('[data-camera="${camera}"] .frame img');
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 18;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0, 32, 18);
    const pixels = context.getImageData(0, 0, 32, 18).data;
    const colours = new Set();
    for (let i = 0; i < pixels.length; i += 4) colours.add((pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2]);
    return { width: img.naturalWidth, height: img.naturalHeight, colours: colours.size };
  })()`) as Promise<{ width: number; height: number; colours: number }>;
}

/** Waits until the browser-side expression `condition` is true. */
async function waitFor(page: Page, condition: string, timeout: number): Promise<void> {
  await page.waitForFunction(condition, { timeout });
}

/** The checks run at each viewport: frame, pause/resume, event with thumbnail, detail view. */
async function essentialChecks(t: TestContext, page: Page, base: string, shots: string, name: string, keyboard: boolean): Promise<void> {
  const loaded = Date.now();
  await page.goto(base, { waitUntil: 'load', timeout: 30_000 });
  const tile = '[data-camera="demo"]';
  // The real detector first loads its model and probes the source: the first frame may take a while.
  await page.waitForSelector(`${tile} .frame img:not([hidden])`, { timeout: 90_000 });
  await waitFor(page, `document.querySelector('${tile} .frame img')?.complete === true`, 10_000);
  t.diagnostic(`${name}: first frame with boxes shown ${Date.now() - loaded} ms after navigation started`);
  assert.equal(await page.evaluate(`getComputedStyle(document.getElementById('login')).display`), 'none', 'no login form without a token');
  const sample = await sampleTileImage(page, 'demo');
  assert.ok(sample.width >= 320 && sample.height >= 180, `natural size ${sample.width}x${sample.height}`);
  assert.ok(sample.colours > 8, `the frame is not blank (${sample.colours} colours in the sample)`);
  assert.equal(await page.$eval(`${tile} .frame img`, (img) => img.getAttribute('alt')), 'Latest frame from Demo test pattern, with detection boxes');

  // Pause the stream from the page: the badge says so, and so does the gateway itself.
  const badge = `${tile} [data-badge="stream"]`;
  const before = await page.$eval(badge, (element) => element.textContent ?? '');
  assert.notEqual(before, 'Stream: paused');
  await page.click(`${tile} button[data-action="stream"]`);
  await waitFor(page, `document.querySelector('${badge}')?.textContent === 'Stream: paused'`, 20_000);
  assert.equal(await gatewayState(base, 'demo'), 'paused');
  assert.equal(await page.$eval(`${tile} button[data-action="stream"]`, (button) => button.textContent), 'Resume stream');
  await until('the announcement', async () => ((await page.$eval('#announcer', (element) => element.textContent ?? '')).includes('stream paused') ? true : undefined), 10_000);
  await page.screenshot({ path: join(shots, `${name}-paused.png`), fullPage: true });
  await page.click(`${tile} button[data-action="stream"]`);
  await waitFor(page, `document.querySelector('${badge}')?.textContent !== 'Stream: paused'`, 20_000);
  assert.notEqual(await gatewayState(base, 'demo'), 'paused');

  // Detect off and on from the page (the gateway's proxy to the detector): badge, placeholder, frame again.
  const detectBadge = `${tile} [data-badge="detect"]`;
  await page.click(`${tile} button[data-action="detect"]`);
  await waitFor(page, `document.querySelector('${detectBadge}')?.textContent === 'Detect: off'`, 20_000);
  await waitFor(page, `document.querySelector('${tile} .placeholder')?.textContent === 'Detection is off' && document.querySelector('${tile} .frame img').hidden`, 10_000);
  await page.click(`${tile} button[data-action="detect"]`);
  await waitFor(page, `document.querySelector('${detectBadge}')?.textContent === 'Detect: on'`, 20_000);
  await waitFor(page, `(() => { const img = document.querySelector('${tile} .frame img'); return !img.hidden && img.complete && img.naturalWidth > 0; })()`, 45_000);

  // An event row with its thumbnail, then its detail view with the snapshot.
  const thumb = '#events button.event img.thumb';
  await waitFor(page, `(document.querySelector('${thumb}')?.naturalWidth ?? 0) > 0`, 90_000);
  assert.match(await page.$eval(thumb, (img) => img.getAttribute('alt') ?? ''), /^(person|car) on demo$/);
  // The row with a thumbnail (a newer event at the top may not have its snapshot yet).
  const row = '#events button.event:has(img.thumb)';
  if (keyboard) {
    await page.focus(row);
    await page.keyboard.press('Enter');
  } else await page.click(row);
  await waitFor(page, `(document.querySelector('dialog[open] img.snapshot')?.naturalWidth ?? 0) > 0`, 20_000);
  assert.match(await page.$eval('#detail-title', (element) => element.textContent ?? ''), /^(person|car) \d+% on demo$/);
  await page.screenshot({ path: join(shots, `${name}-detail.png`) });
  await page.keyboard.press('Escape');
  await waitFor(page, `document.querySelector('dialog[open]') === null`, 5000);
  if (keyboard) assert.equal(await page.evaluate(`document.activeElement?.classList.contains('event')`), true, 'focus returns to the row');

  // Filters: a label keeps only its events; an unknown zone empties the list; clearing brings them back.
  const label = (await page.$eval('#filters select[name="label"]', (select) => (select as unknown as { options: Array<{ value: string }> }).options[1]?.value)) ?? '';
  assert.match(label, /^(person|car)$/);
  await page.select('#filters select[name="label"]', label);
  await waitFor(page, `[...document.querySelectorAll('#events .event strong')].every((row) => row.textContent.startsWith('${label} ')) && document.querySelectorAll('#events .event').length > 0`, 15_000);
  await page.select('#filters select[name="label"]', '');
  await page.type('#filters input[name="zone"]', 'no_such_zone');
  await page.keyboard.press('Enter');
  await waitFor(page, `document.querySelectorAll('#events .event').length === 0 && document.querySelector('#filters [role="status"]').textContent === 'No events yet.'`, 15_000);
  await page.$eval('#filters input[name="zone"]', (input) => ((input as unknown as { value: string }).value = ''));
  await page.keyboard.press('Enter');
  await waitFor(page, `document.querySelectorAll('#events .event').length > 0`, 15_000);

  // The status strip and the page fitting the viewport (no sideways scrolling on a phone).
  assert.match(await page.$eval('#status-strip', (element) => element.textContent ?? ''), /Slots 0\/1.*Uptime .*demo [\d.…]+ fps in, [\d.…]+ inferred, [\d.…]+ skipped/);
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
  assert.ok(overflow <= 0, `${name}: ${overflow}px wider than the viewport`);
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** One run of the page checks against `lookout up --demo` with `detector` as its detector child (default: the real one). */
async function pageTest(t: TestContext, detector?: (configFile: string) => { command: string; args: string[] }): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    t.skip(`chromium is not installed at ${CHROMIUM} (apt-get install chromium; CHROMIUM_PATH overrides)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lookout-web-page-'));
  const shots = join(dir, 'screenshots');
  mkdirSync(shots);
  const cleanups = new Cleanups();
  t.after(() => cleanups.run());
  cleanups.add(() => {
    if (process.env.LOOKOUT_KEEP_ARTIFACTS) t.diagnostic(`artifacts kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  });
  const configFile = join(dir, 'state', 'demo.lookout.yml');
  const command = detector ? detector(configFile) : { command: process.execPath, args: [join(HERE, '..', '..', 'bin', 'lookout.js'), 'detector', '--config', configFile] };
  const base = await startDemo(cleanups, dir, command);
  const { errors, open } = await launch(cleanups, dir);
  t.diagnostic(`screenshots in ${shots}`);
  await essentialChecks(t, await open(1280, 900), base, shots, 'desktop', false);
  await essentialChecks(t, await open(390, 844), base, shots, 'phone', true);
  assert.deepEqual(errors, [], 'no console errors or warnings');
}

void test('the web page in chromium against lookout up --demo (real gateway and detector): frame with boxes, pause/resume, detect off/on, events, detail; desktop and phone; no console errors', async (t) => {
  await pageTest(t);
});

void test('the web page in chromium against lookout up --demo with the FAKE detector API as its detector child (every page path, fast)', async (t) => {
  await pageTest(t, (configFile) => ({ command: process.execPath, args: ['--import', TSX, FAKE_DETECTOR_API, configFile] }));
});

void test('the web page with http.token in chromium: sign-in form, a wrong token refused, the right one kept for the tab and sent on every call (pause through the command table)', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`chromium is not installed at ${CHROMIUM} (apt-get install chromium; CHROMIUM_PATH overrides)`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'lookout-web-token-'));
  const cleanups = new Cleanups();
  t.after(() => cleanups.run());
  cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
  // The real gateway with a token; no detector runs (port 9, discard: refused), so the page degrades.
  const token = 'web-page-token-4242';
  const input = demoConfigInput({ stateDir: dir, mediamtx: false, httpPort: 0, detectorHttpPort: 9 });
  const gateway = await startGateway(parseConfig({ ...input, http: { ...input.http, token } }, { env: {}, file: '(test)' }), silentLogger());
  cleanups.add(() => gateway.stop());
  const base = `http://127.0.0.1:${gateway.port}/`;
  const { errors, open } = await launch(cleanups, dir);
  const page = await open(390, 844);
  await page.goto(base, { waitUntil: 'load', timeout: 30_000 });
  await waitFor(page, `getComputedStyle(document.getElementById('login')).display !== 'none'`, 15_000);
  assert.equal(await page.$eval('#login [role="status"]', (element) => element.textContent), 'this box needs its API token');
  await page.type('#token', 'not-the-token');
  await page.keyboard.press('Enter');
  await waitFor(page, `document.querySelector('#login [role="status"]')?.textContent === 'the token was not accepted'`, 15_000);
  // Until now every API call was refused (401, which the browser logs); from here on nothing may fail.
  await sleep(500);
  errors.length = 0;
  await page.type('#token', token);
  await page.keyboard.press('Enter');
  const tile = '[data-camera="demo"]';
  await waitFor(page, `document.querySelector('${tile} .placeholder')?.textContent === 'Detector not reachable'`, 15_000);
  assert.equal(await page.evaluate(`getComputedStyle(document.getElementById('login')).display`), 'none');
  assert.equal(await page.evaluate(`sessionStorage.getItem('lookout.token')`), token);
  assert.match(await page.$eval('#status-strip', (element) => element.textContent ?? ''), /Detector not reachable/);
  await page.click(`${tile} button[data-action="stream"]`);
  await waitFor(page, `document.querySelector('${tile} [data-badge="stream"]')?.textContent === 'Stream: paused'`, 20_000);
  const state = (await (await fetch(`${base}api/v1/cameras/demo`, { headers: { authorization: `Bearer ${token}` } })).json()) as { data: { state: string } };
  assert.equal(state.data.state, 'paused');
  assert.equal(await page.$eval(`${tile} button[data-action="detect"]`, (button) => (button as unknown as { disabled: boolean }).disabled), true, 'no detect button without a detector');
  assert.deepEqual(errors, [], 'no errors after signing in');
});
