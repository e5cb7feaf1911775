import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts } from './free-port';

const KAFKA_CLI = resolve(__dirname, '../../../tools/kafka/kafka.mjs');

/**
 * A single-node broker of a suite's own (tools/kafka/kafka.mjs --run-dir), for tests that stop and restart
 * a broker: never the shared one. Data lives in a temporary directory that survives stop/start.
 * Driven through the CLI: Jest's CommonJS runtime cannot load the .mjs module itself.
 */
export class PrivateKafkaBroker {
  readonly runDir: string;
  private ports: [number, number] | null = null;

  /** `label` names the temporary directory (labsync-<label>-kafka-*), so a leftover one says whose it was. */
  constructor(label = 'private') {
    this.runDir = mkdtempSync(join(tmpdir(), `labsync-${label}-kafka-`));
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  get port(): number {
    if (!this.ports) throw new Error('the private broker has no ports yet: start() it first');
    return this.ports[0];
  }

  async start(): Promise<void> {
    this.ports ??= (await freePorts(2)) as [number, number];
    await this.cli('start', '--port', String(this.ports[0]), '--controller-port', String(this.ports[1]));
  }

  /** SIGTERM (a clean shutdown); `kill` for SIGKILL. The data stays for the next start(). */
  async stop(kill = false): Promise<void> {
    await this.cli('stop', ...(kill ? ['--kill'] : []));
  }

  /** Stops it for good and deletes its data. */
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
