/**
 * FAKE detector HTTP API (the real one is `lookout detector`, detector/http-api.ts): a real HTTP
 * server on loopback that answers the detector contract the gateway proxies (events, snapshots,
 * latest frame, per-camera detection status, pause/resume) from memory, and records every request
 * it receives, so a test can prove the gateway forwarded nothing for bad input. Pictures are real
 * JPEGs made once by ffmpeg (a test pattern with a box), so a browser can decode and sample them.
 *
 * Run as a process (for `lookout up` tests as the detector child):
 *   node --import tsx gateway/web/test/fake-detector-api.ts <config.json>
 * It reads `detector.http` and the first camera from the config, and stops on SIGTERM.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';

export interface FakeDetectorOptions {
  host?: string;
  port?: number;
  cameras: string[];
  /** Delay every answer (a slow detector). */
  delayMs?: number;
  /** Answer the event list with this many bytes of JSON padding (an oversize answer). */
  padBytes?: number;
}

export interface FakeDetectorApi {
  port: number;
  /** Every request line received, `METHOD /path?query`. */
  requests: string[];
  /** Events served by `GET /api/v1/events`, newest first; tests may push more. */
  events: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** One real JPEG: ffmpeg's test pattern with a filled red box, `width`×`height`. */
export function makeJpeg(width: number, height: number): Buffer {
  return execFileSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=1`, '-vf', 'drawbox=x=iw/4:y=ih/4:w=iw/3:h=ih/3:color=red@1:t=6', '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1'],
    { timeout: 20_000, maxBuffer: 8 * 1024 * 1024 },
  );
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export async function startFakeDetectorApi(options: FakeDetectorOptions): Promise<FakeDetectorApi> {
  const frame = makeJpeg(640, 360);
  const thumb = makeJpeg(160, 90);
  const started = Date.now();
  const paused = new Set<string>();
  const requests: string[] = [];
  const now = Date.now() / 1000;
  const events: Array<Record<string, unknown>> = options.cameras.map((camera, index) => ({
    id: `${(now - 5 - index).toFixed(3)}-${camera}-${index + 1}`,
    camera,
    label: 'person',
    score: 0.82,
    top_score: 0.9,
    box: [100, 80, 260, 300],
    current_zones: ['yard'],
    entered_zones: ['yard'],
    stationary: false,
    start_time: now - 5 - index,
    end_time: null,
    has_snapshot: true,
    snapshot: { frame_time: now - 4, box: [100, 80, 260, 300], area: 35_200, score: 0.9 },
  }));

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    requests.push(`${request.method ?? '?'} ${url.pathname}${url.search}`);
    const path = url.pathname;
    let match: RegExpExecArray | null;
    if (request.method === 'GET' && path === '/api/v1/events') {
      const { camera, label, zone } = Object.fromEntries(url.searchParams);
      const data = events.filter(
        (event) =>
          (!camera || event.camera === camera) && (!label || event.label === label) && (!zone || (event.entered_zones as string[] | undefined)?.includes(zone) === true),
      );
      return json(response, 200, { status: 'ok', data, ...(options.padBytes ? { pad: 'x'.repeat(options.padBytes) } : {}) });
    }
    if (request.method === 'GET' && (match = /^\/api\/v1\/events\/([^/]+)(?:\/(snapshot|thumbnail)\.jpg)?$/.exec(path))) {
      const event = events.find((candidate) => candidate.id === match?.[1]);
      if (!event) return json(response, 404, { status: 'error', error: { code: 'not_found', message: `no event ${String(match[1]).slice(0, 64)}` } });
      if (!match[2]) return json(response, 200, { status: 'ok', data: event });
      return response.writeHead(200, { 'content-type': 'image/jpeg' }).end(match[2] === 'snapshot' ? frame : thumb);
    }
    if (request.method === 'GET' && (match = /^\/api\/v1\/cameras\/([^/]+)\/latest\.jpg$/.exec(path))) {
      if (paused.has(match[1] ?? '')) return json(response, 409, { status: 'error', error: { code: 'conflict', message: 'detection is paused' } });
      return response.writeHead(200, { 'content-type': 'image/jpeg', 'cache-control': 'no-store' }).end(frame);
    }
    if (request.method === 'GET' && path === '/api/v1/detect/cameras') {
      const frames = Math.floor((Date.now() - started) / 100);
      const cameras = options.cameras.map((id) => ({ id, state: paused.has(id) ? 'paused' : 'running', framesDecoded: frames, framesInferred: Math.floor(frames / 5), skipped: 0 }));
      return json(response, 200, { cameras });
    }
    if (request.method === 'POST' && (match = /^\/api\/v1\/detect\/cameras\/([^/]+)\/(pause|resume)$/.exec(path))) {
      const id = match[1] ?? '';
      if (!options.cameras.includes(id)) return json(response, 404, { status: 'error', error: `unknown camera "${id}"` });
      if (match[2] === 'pause') paused.add(id);
      else paused.delete(id);
      return json(response, 200, { status: 'ok', data: { id, state: paused.has(id) ? 'paused' : 'running' } });
    }
    // Like fastify's own not-found answer.
    return json(response, 404, { message: `Route ${request.method ?? '?'}:${path} not found`, error: 'Not Found', statusCode: 404 });
  };

  const server: Server = createServer((request, response) => {
    request.resume();
    if (options.delayMs) setTimeout(() => handle(request, response), options.delayMs).unref();
    else handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    requests,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as { cameras: Array<{ id: string }>; detector: { http: { host: string; port: number } } };
  const api = await startFakeDetectorApi({ host: config.detector.http.host, port: config.detector.http.port, cameras: config.cameras.map((camera) => camera.id) });
  const stop = () => void api.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
