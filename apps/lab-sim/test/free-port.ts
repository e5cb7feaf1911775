import { createServer } from 'node:net';

/**
 * A port nobody listens on right now. The runtime's PORT must be a positive integer, so an in-process test
 * cannot pass PORT=0; it asks the OS for a free port and hands that over.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
