/**
 * How long `lookout up --demo` takes to start (banner printed) and to stop after SIGTERM, with the
 * real gateway and detector, over several runs. Prints one JSON object.
 *
 *   node --import tsx appliance/bench/up-shutdown.ts [runs=5]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../../common/lifecycle/sleep.ts';

const LOOKOUT = fileURLToPath(new URL('../../bin/lookout.js', import.meta.url));
const runs = Number(process.argv[2] ?? '5');
const startMs: number[] = [];
const stopMs: number[] = [];
const codes: Array<number | null> = [];
for (let run = 0; run < runs; run++) {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-up-'));
  const started = Date.now();
  const child = spawn(process.execPath, [LOOKOUT, 'up', '--demo', '--http-port', '0'], { cwd: dir, env: { PATH: '/usr/bin:/bin', HOME: dir }, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('no banner within 60 s')), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Stop with Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  startMs.push(Date.now() - started);
  // Let the detector load its model and decode for a moment.
  await sleep(3000);
  const stopAsked = Date.now();
  child.kill('SIGTERM');
  codes.push(await exited);
  stopMs.push(Date.now() - stopAsked);
  rmSync(dir, { recursive: true, force: true });
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
process.stdout.write(`${JSON.stringify({ runs, start_ms: { median: median(startMs), all: startMs }, stop_ms: { median: median(stopMs), max: Math.max(...stopMs), all: stopMs }, exit_codes: codes })}\n`);
