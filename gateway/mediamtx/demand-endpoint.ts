/**
 * On-demand leases: fastify plugin for POST /mediamtx/demand/:camera, called by the demand hook
 * (`lookout demand <camera>`) that mediamtx runs as a path's runOnDemand command.
 *
 * Only the hook may ask: the request must come from loopback AND carry the gateway's per-boot demand
 * secret (boot-secrets.ts) in the `x-lookout-demand-secret` header, compared in constant time;
 * otherwise 401 in the API's error envelope. Any local user could otherwise hold every slot.
 *
 * Protocol (one long-lived response per lease, NDJSON):
 * - refused at once: 404 unknown camera, 409 at the slot limit or paused (the pipeline manager
 *   refuses instead of queueing, so the hook exits within milliseconds), 503 anything else;
 * - granted: 200 and `{"type":"granted","lease":"<id>","keepaliveMs":N}` then `{"type":"keepalive"}`
 *   lines every N/4 ms. The hook treats N ms of silence as "gateway gone".
 * - The lease is released exactly once, when the connection closes for any reason: the hook
 *   exited (SIGINT from mediamtx, or it died), a keepalive write failed, or the gateway shuts down
 *   (preClose ends every lease). A dead hook's lease is therefore always reclaimed.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { secretsEqual } from '../../common/password.ts';
import { errorCodeOf, errorEnvelope } from '../../common/http/error-envelope.ts';
import { isLoopback } from './auth-policy.ts';
import { DEMAND_SECRET_HEADER } from './boot-secrets.ts';

/** What the gateway's PipelineManager offers (gateway/pipeline/pipeline-manager.ts `acquireDemand`). */
export interface DemandSource {
  acquireDemand(cameraId: string): Promise<{ release(): Promise<void> }>;
}

export interface DemandEndpointOptions {
  manager: DemandSource;
  logger: Logger;
  keepaliveMs: number;
  /** The per-boot secret the hook must send (boot-secrets.ts). */
  secret: string;
  leases?: DemandLeases;
}

interface ActiveLease {
  id: string;
  camera: string;
  end(reason: string): void;
}

/** The live leases, for status and tests. Holds nothing but what the open connections hold. */
export class DemandLeases {
  readonly #active = new Map<string, ActiveLease>();
  #next = 1;

  nextId(): string {
    return String(this.#next++);
  }

  add(lease: ActiveLease): void {
    this.#active.set(lease.id, lease);
  }

  delete(id: string): void {
    this.#active.delete(id);
  }

  get size(): number {
    return this.#active.size;
  }

  cameras(): string[] {
    return [...this.#active.values()].map((lease) => lease.camera);
  }

  endAll(reason: string): void {
    for (const lease of [...this.#active.values()]) lease.end(reason);
  }
}

/** Maps the manager's refusals by the code each error carries (the one table's codes), never by name. */
function refusalStatus(error: unknown): 404 | 409 | 503 {
  const code = errorCodeOf(error);
  if (code === 'unknown_camera') return 404;
  if (code === 'conflict') return 409;
  return 503;
}

export async function mediamtxDemandPlugin(app: FastifyInstance, options: DemandEndpointOptions): Promise<void> {
  const leases = options.leases ?? new DemandLeases();
  const log = options.logger.child({ component: 'mediamtx-demand' });
  app.addHook('preClose', async () => leases.endAll('gateway shutting down'));

  // access: 'hook' tells the HTTP API's token gate that this route authenticates its caller itself.
  app.post<{ Params: { camera: string } }>('/mediamtx/demand/:camera', { config: { access: 'hook' } }, async (request, reply) => {
    const camera = request.params.camera;
    if (!isLoopback(request.socket.remoteAddress ?? '')) return reply.code(403).send({ error: 'demand leases are for the local mediamtx hook only' });
    const given = request.headers[DEMAND_SECRET_HEADER];
    if (typeof given !== 'string' || !secretsEqual(given, options.secret)) {
      log.warn({ camera, sent: typeof given === 'string' }, 'demand refused: missing or wrong demand hook secret');
      return reply.code(401).send(errorEnvelope('unauthorized', `missing or wrong demand hook secret (header ${DEMAND_SECRET_HEADER})`));
    }
    let held: { release(): Promise<void> };
    // The hook may be gone (SIGINT) before the slot is granted: watch the socket from the start.
    const socket = request.raw.socket;
    let hookGone = socket.destroyed;
    const onEarlyClose = () => {
      hookGone = true;
    };
    socket.once('close', onEarlyClose);
    try {
      held = await options.manager.acquireDemand(camera);
    } catch (error) {
      socket.off('close', onEarlyClose);
      const status = refusalStatus(error);
      log.info({ camera, status, error: (error as Error).message }, 'demand refused');
      return reply.code(status).send({ error: (error as Error).message });
    }
    socket.off('close', onEarlyClose);
    if (hookGone || socket.destroyed) {
      log.info({ camera }, 'demand hook left before its lease was granted; releasing');
      reply.hijack();
      await held.release();
      return;
    }
    const id = leases.nextId();
    const raw = reply.raw;
    let ended = false;
    const timer = setInterval(() => write({ type: 'keepalive' }), Math.max(25, Math.floor(options.keepaliveMs / 4)));
    const end = (reason: string) => {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      leases.delete(id);
      if (!raw.writableEnded) raw.end();
      raw.destroy();
      log.info({ camera, lease: id, reason }, 'demand lease released');
      held.release().catch((error: unknown) => log.error({ camera, lease: id, error: (error as Error).message }, 'demand lease release failed'));
    };
    function write(message: object): void {
      if (ended) return;
      raw.write(`${JSON.stringify(message)}\n`, (error) => {
        if (error) end(`write failed: ${error.message}`);
      });
    }
    leases.add({ id, camera, end });
    reply.hijack();
    raw.on('close', () => end('connection closed'));
    raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    write({ type: 'granted', lease: id, camera, keepaliveMs: options.keepaliveMs });
    log.info({ camera, lease: id }, 'demand lease granted');
  });
}
