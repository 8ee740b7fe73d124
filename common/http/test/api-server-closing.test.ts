/**
 * A request that arrives on an open connection while the server closes is answered 503 in the
 * envelope (fastify's own 503 body is switched off), over real TCP: a keep-alive connection busy
 * with a slow request stays open after close() began, and the next request on it is refused.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { deadline } from '../../lifecycle/deadline.ts';
import { createApiServer } from '../api-server.ts';

void test('requests during close get 503 in the envelope', async () => {
  const app = createApiServer({ host: '127.0.0.1', metrics_public: false, allowed_origins: [], allowed_hosts: [], body_limit_bytes: 4096, request_timeout: 10_000 });
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  app.get('/slow', { config: { access: 'public' } }, async () => {
    entered();
    await released;
    return { status: 'ok' };
  });
  app.get('/next', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  let preClosed = false;
  app.addHook('preClose', async () => {
    preClosed = true;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const socket = connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(`GET /slow HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  await inHandler;
  const closed = app.close();
  const until = Date.now() + 10_000;
  while (!preClosed && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(preClosed, 'close began');
  // The next request on the same (busy, so still open) connection arrives after close began.
  socket.write(`GET /next HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  release();
  await deadline(ended, 10_000, 'the reply');
  socket.destroy();
  await closed;
  const text = Buffer.concat(chunks).toString();
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
  assert.deepEqual(statuses, [200, 503], `the request in flight completes, the pipelined one is refused:\n${text}`);
  const body = text.slice(text.lastIndexOf('\r\n\r\n') + 4);
  assert.deepEqual(JSON.parse(body), { status: 'error', error: { code: 'unavailable', message: 'the server is shutting down' } });
});
