import { createServer } from 'node:net';

/**
 * Asks the OS for a TCP port free on loopback right now (bind port 0, read it back, close). Used
 * where a port must be known before the process that binds it starts (the demo's detector, tests).
 */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
