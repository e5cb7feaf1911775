import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const KAFKA_CLI = resolve(__dirname, '../../../tools/kafka/kafka.mjs');

/** Ports nothing listens on right now (the OS picks them). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((done, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => done(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

/**
 * A single-node broker of a suite's own (tools/kafka/kafka.mjs --run-dir), for tests that stop and restart
 * a broker: never the shared one. Data lives in a temporary directory that survives stop/start.
 * (The same shape as e2e/platform's PrivateKafkaBroker, for lib-level integration specs.)
 */
export class PrivateKafkaBroker {
  readonly runDir = mkdtempSync(join(tmpdir(), 'labsync-private-kafka-'));
  private ports: [number, number] | null = null;

  get brokers(): string {
    if (!this.ports) throw new Error('the private broker has no ports yet: start() it first');
    return `127.0.0.1:${this.ports[0]}`;
  }

  async start(): Promise<void> {
    this.ports ??= (await freePorts(2)) as [number, number];
    await this.cli('start', '--port', String(this.ports[0]), '--controller-port', String(this.ports[1]));
  }

  /** SIGTERM (a clean shutdown); `kill` for SIGKILL. The data stays for the next start(). */
  async stop(kill = false): Promise<void> {
    await this.cli('stop', ...(kill ? ['--kill'] : []));
  }

  async destroy(): Promise<void> {
    await this.cli('stop', '--kill').catch(() => undefined);
    rmSync(this.runDir, { recursive: true, force: true });
  }

  private cli(command: string, ...args: string[]): Promise<string> {
    return new Promise((done, fail) => {
      execFile(process.execPath, [KAFKA_CLI, command, '--run-dir', this.runDir, ...args], { timeout: 150_000 }, (error, stdout, stderr) => {
        if (error) fail(new Error(`kafka.mjs ${command} --run-dir ${this.runDir} failed: ${error.message}\n${stdout}${stderr}`));
        else done(stdout);
      });
    });
  }
}
