/**
 * The stale/double `stream/state` bug, as processes: under `lookout up` and under `lookout gateway`
 * (both real CLI processes, same config: testsrc cameras publishing into the RTSP stand-in, not
 * mediamtx; detector off; real mosquitto and nats-server), a pause over HTTP, MQTT and NATS each
 * produce exactly one `stream/state` publication with the new state, and so does the resume —
 * counted with `mosquitto_sub -v -R`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import { sleep } from '../../common/lifecycle/sleep.ts';
import { freePort, startMosquitto, startNatsServer, waitFor, type Mosquitto, type NatsServer } from '../../test/support/brokers.ts';
import { api, tempDir, testsrcCamera, type TempDir } from '../../test/support/gateway-harness.ts';
import { startRtspStandIn, type RtspStandIn } from '../../test/support/rtsp-stand-in.ts';
import { subscribeCounting } from './mqtt-count.ts';

const LOOKOUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'lookout.js');

let mosquitto: Mosquitto;
let nats: NatsServer;
let nc: NatsConnection;
let rtsp: RtspStandIn;
let dir: TempDir;

before(async () => {
  [mosquitto, nats, rtsp] = await Promise.all([startMosquitto(), startNatsServer(), startRtspStandIn()]);
  nc = await connect({ servers: nats.url });
  dir = tempDir('lookout-up-state-');
});

after(async () => {
  await nc.close();
  await Promise.all([mosquitto.dispose(), nats.dispose(), rtsp.close()]);
  dir.remove();
});

interface CameraStatus {
  state: string;
}

for (const command of ['gateway', 'up'] as const) {
  void test(`lookout ${command}: one stream/state publication per pause and per resume over HTTP, MQTT and NATS`, { timeout: 240_000 }, async (t) => {
    const port = await freePort();
    const prefix = `cli-${command}`;
    const site = `site-${command}`;
    const config = {
      log_level: 'warn',
      instance_id: prefix,
      state_dir: join(dir.path, command),
      shutdown_timeout: '5s',
      http: { port },
      mediamtx: { enabled: false },
      detector: { enabled: false },
      pipelines: { stop_grace: '1s', backoff_initial: '200ms', backoff_max: '1s', publish_url: `rtsp://127.0.0.1:${rtsp.publishPort}`, publish_transport: 'udp' },
      cameras: [testsrcCamera('cam1')],
      mqtt: { url: mosquitto.url, topic_prefix: prefix, home_assistant: { enabled: false } },
      nats: { servers: [nats.url], site, request_timeout: '5s', jetstream: { enabled: false } },
    };
    const file = join(dir.path, `${command}.yml`);
    writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    let output = '';
    const child = spawn(process.execPath, [LOOKOUT, command, '--config', file], { cwd: dir.path, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir.path }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
    });
    const status = async () => (await api(port, 'GET', '/api/v1/cameras/cam1').catch(() => undefined))?.body.data as CameraStatus | undefined;
    await waitFor(async () => (await status())?.state === 'running', 90_000, `cam1 running under lookout ${command}`).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output.slice(-2000)}`);
    });
    const topic = `${prefix}/cam1/stream/state`;
    const sub = await subscribeCounting(mosquitto.url, topic, `${prefix}-probe/x`);
    t.after(() => sub.stop());
    const commander = await mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 0 });
    t.after(() => commander.endAsync());
    const send = {
      http: (on: boolean) => api(port, 'POST', `/api/v1/cameras/cam1/${on ? 'resume' : 'pause'}`),
      mqtt: (on: boolean) => commander.publishAsync(`${prefix}/cam1/stream/set`, on ? 'ON' : 'OFF', { qos: 1 }),
      nats: (on: boolean) => nc.request(`lookout.${site}.control.cam1.${on ? 'resume' : 'pause'}`, '{}', { timeout: 30_000 }),
    };
    for (const [transport, issue] of Object.entries(send)) {
      for (const on of [false, true]) {
        const before = sub.lines().length;
        await issue(on);
        await waitFor(async () => (await status())?.state === (on ? 'running' : 'paused'), 30_000, `${transport}: cam1 ${on ? 'running' : 'paused'}`);
        await waitFor(() => sub.lines().length > before, 10_000, `${transport}: a stream/state publication`);
        await sleep(1500);
        assert.deepEqual(sub.lines().slice(before), [`${topic} ${on ? 'ON' : 'OFF'}`], `lookout ${command}, ${transport} ${on ? 'resume' : 'pause'}: exactly one publication`);
      }
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output.slice(-2000));
  });
}
