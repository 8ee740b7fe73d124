/**
 * Sets up everything a soak runs against and tears it all down again: mosquitto and nats-server
 * (JetStream) from test/support/brokers.ts, the RTSP stand-in in its own process, one looping-file
 * feeder per camera (the "cameras" that vanish and return), a size-capped tmpfs for the detector's
 * outbox, and the real `lookout up` (gateway in-process, detector as its supervised child).
 * `cleanup()` undoes every step in reverse and is safe to call twice (Ctrl-C, failure, normal end).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { renderClip } from '../../detector/test/clips.ts';
import { startMosquitto, startNatsServer, type Mosquitto, type NatsServer } from '../../test/support/brokers.ts';
import { freePort } from '../../test/support/free-port.ts';
import { OwnedChild } from './child.ts';
import { LAUNCH_NODE_FLAGS, launchEnv } from '../../common/launch-tuning.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CAMERA_COUNT = 4;
export const SLOT_LIMIT = 3;
export const STOP_GRACE_MS = 1000;
/** The outbox tmpfs: small enough to fill in a moment. */
const OUTBOX_TMPFS = '8m';

export interface Rig {
  dir: string;
  stateDir: string;
  outboxDir: string;
  /** How the full-disk fault is made: a real tmpfs, or (mount refused) not at all. */
  disk: 'tmpfs' | 'unavailable';
  cameras: string[];
  httpPort: number;
  detectorPort: number;
  mosquitto: Mosquitto;
  nats: NatsServer;
  site: string;
  feeders: OwnedChild[];
  appliance: OwnedChild;
  cleanup(): Promise<void>;
}

async function startStandIn(cleanups: Array<() => Promise<void> | void>): Promise<{ publishPort: number; readPort: number }> {
  let line = '';
  let resolvePorts: (ports: { publishPort: number; readPort: number }) => void = () => undefined;
  const ports = new Promise<{ publishPort: number; readPort: number }>((resolve) => (resolvePorts = resolve));
  const child = new OwnedChild('stand-in', process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/soak/stand-in-main.ts')], {
    cwd: ROOT,
    onStdout: (text) => {
      line += text;
      const first = line.split('\n')[0];
      if (line.includes('\n') && first) resolvePorts(JSON.parse(first) as { publishPort: number; readPort: number });
    },
  });
  child.start();
  cleanups.push(() => child.stop());
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`RTSP stand-in did not start: ${child.tail}`)), 30_000).unref());
  return Promise.race([ports, timeout]);
}

function feeder(clip: string, url: string): OwnedChild {
  return new OwnedChild(`feeder ${url}`, 'ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'udp', url], { graceMs: 1000 });
}

/** Mounts a tmpfs of `size` on `dir`; false if mounting is not permitted here. */
function mountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

export async function startRig(): Promise<Rig> {
  const cleanups: Array<() => Promise<void> | void> = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`soak cleanup: ${(error as Error).message}\n`);
      }
    }
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-soak-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const clip = join(dir, 'clip.mp4');
    // Two objects that cross the frame and leave it, then an empty stretch: a new event every loop.
    await renderClip(clip, {
      width: 640, height: 360, fps: 10, seconds: 12, gop: 10,
      boxes: [
        { color: '0xE01818', width: 120, height: 90, x0: -40, y0: 40, vx: 90, vy: 0 },
        { color: '0x18D018', width: 110, height: 80, x0: 640, y0: 250, vx: -100, vy: 0 },
      ],
    });
    const mosquitto = await startMosquitto();
    cleanups.push(() => mosquitto.dispose());
    const nats = await startNatsServer();
    cleanups.push(() => nats.dispose());
    const rtsp = await startStandIn(cleanups);
    const cameras = Array.from({ length: CAMERA_COUNT }, (_, index) => `cam${index + 1}`);
    const feeders = cameras.map((camera) => feeder(clip, `rtsp://127.0.0.1:${rtsp.publishPort}/src_${camera}`));
    for (const child of feeders) {
      child.start();
      cleanups.push(() => child.stop());
    }

    const stateDir = join(dir, 'state');
    const outboxDir = join(stateDir, 'outbox-detector');
    mkdirSync(outboxDir, { recursive: true });
    const disk = mountTmpfs(outboxDir, OUTBOX_TMPFS) ? 'tmpfs' : 'unavailable';
    if (disk === 'tmpfs') cleanups.push(() => void execFileSync('umount', ['-l', outboxDir], { stdio: 'ignore', timeout: 10_000 }));

    const httpPort = await freePort();
    const detectorPort = await freePort();
    const site = 'soak';
    const config = {
      instance_id: 'soak',
      state_dir: stateDir,
      log_level: 'warn',
      shutdown_timeout: '10s',
      http: { host: '127.0.0.1', port: httpPort },
      pipelines: {
        limit: SLOT_LIMIT, stop_grace: `${STOP_GRACE_MS}ms`, backoff_initial: '300ms', backoff_max: '3s',
        publish_url: `rtsp://127.0.0.1:${rtsp.publishPort}`, publish_transport: 'udp', heartbeat_interval: '30s',
      },
      cameras: cameras.map((id) => ({
        id,
        source: `rtsp://127.0.0.1:${rtsp.readPort}/src_${id}`,
        video: 'copy',
        rtsp_transport: 'udp',
        timeouts: { io: '5s', stall: '4s', start: '10s' },
        detect: { enabled: true, fps: 2, read_from: 'source' },
      })),
      mediamtx: { enabled: false },
      detector: { enabled: true, workers: 1, threads: 1, min_score: 0.25, http: { host: '127.0.0.1', port: detectorPort } },
      mqtt: { url: mosquitto.url, topic_prefix: 'lookout', home_assistant: { enabled: false } },
      nats: { servers: [nats.url], site, jetstream: { enabled: true } },
      outbox: { memory_items: 20, disk_bytes: 4 * 1024 * 1024, segment_bytes: 64 * 1024, retry_max: '2s', breaker_cooldown: '2s' },
    };
    const configFile = join(dir, 'lookout.yml');
    writeFileSync(configFile, stringify(config));
    // Launched as the systemd units and the container launch it: with the launch tuning.
    const appliance = new OwnedChild('lookout up', process.execPath, [...LAUNCH_NODE_FLAGS, join(ROOT, 'bin/lookout.js'), 'up', '--config', configFile], {
      cwd: dir,
      env: launchEnv({ ...process.env, PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` }),
      graceMs: 15_000,
    });
    appliance.start();
    cleanups.push(() => appliance.stop());
    return { dir, stateDir, outboxDir, disk, cameras, httpPort, detectorPort, mosquitto, nats, site, feeders, appliance, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
