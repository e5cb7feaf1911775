import { createServer, type Server } from 'node:net';

/**
 * Ports nobody listens on right now (the OS picks them). The runtime's PORT must be a positive integer, so
 * an in-process test cannot pass PORT=0; it asks the OS for free ports and hands them over. All of them are
 * held until every one is picked, so one call never returns the same port twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<Server>((done, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => done(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

/** One free port (see freePorts). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
