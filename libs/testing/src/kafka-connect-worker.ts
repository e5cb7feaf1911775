import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { runToolCli } from './tool-cli';
import { TEST_KAFKA_BROKERS } from './unique-names';
import { waitFor } from './wait-for';

const CONNECT_CLI = 'tools/connect/connect.mjs';

export interface ConnectorState {
  connector: { state: string; trace?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

/**
 * A Kafka Connect worker of a suite's own (tools/connect/connect.mjs --run-dir), in distributed mode on the
 * shared broker, with Debezium's PostgreSQL connector installed. `groupId` names its group and its
 * config/offset/status topics (`<groupId>.configs` ...): give it the suite's unique topic prefix so
 * deleteTestTopics() removes them. Started, it answers on `url` with the Connect REST API.
 */
export class KafkaConnectWorker {
  readonly runDir: string;
  private restPort: number | null = null;

  constructor(
    readonly groupId: string,
    readonly brokers = TEST_KAFKA_BROKERS,
    label = 'private',
  ) {
    this.runDir = mkdtempSync(join(tmpdir(), `labsync-${label}-connect-`));
  }

  get url(): string {
    if (this.restPort === null) throw new Error('the Connect worker has no port yet: start() it first');
    return `http://127.0.0.1:${this.restPort}`;
  }

  /** Provisions (cached) and starts the worker; resolves once /health answers and Debezium is listed. */
  async start(): Promise<void> {
    this.restPort ??= await freePort();
    await runToolCli(CONNECT_CLI, ['start', '--run-dir', this.runDir, '--rest-port', String(this.restPort), '--brokers', this.brokers, '--group-id', this.groupId]);
  }

  /** SIGTERM (a clean shutdown, offsets flushed); `kill` for SIGKILL. Connectors stay registered for the next start(). */
  async stop(kill = false): Promise<void> {
    await runToolCli(CONNECT_CLI, ['stop', '--run-dir', this.runDir, ...(kill ? ['--kill'] : [])]);
  }

  /** Stops it for good and deletes its run directory (its internal topics stay for deleteTestTopics). */
  async destroy(): Promise<void> {
    await runToolCli(CONNECT_CLI, ['stop', '--run-dir', this.runDir]).catch(() => undefined);
    rmSync(this.runDir, { recursive: true, force: true });
  }

  /** The worker JVM's pid (from its run directory), for figures such as its resident memory. */
  pid(): number | undefined {
    try {
      return Number(readFileSync(join(this.runDir, 'connect.pid'), 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  /** Creates or updates a connector (PUT /connectors/<name>/config). */
  async putConnector(name: string, config: Record<string, string | number | boolean>): Promise<void> {
    const body = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
    const response = await fetch(`${this.url}/connectors/${encodeURIComponent(name)}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`PUT connector ${name} answered ${response.status}: ${await response.text()}`);
  }

  /** The connector's and its tasks' states, or null when it does not exist. */
  async connectorState(name: string): Promise<ConnectorState | null> {
    const response = await fetch(`${this.url}/connectors/${encodeURIComponent(name)}/status`);
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`GET connector ${name} status answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as ConnectorState;
  }

  /** Waits until the connector and all its (at least one) tasks run; a FAILED one fails at once with its trace. */
  async waitUntilRunning(name: string, timeoutMs = 60_000): Promise<ConnectorState> {
    const state = await waitFor(
      async () => {
        const current = await this.connectorState(name);
        if ([current?.connector, ...(current?.tasks ?? [])].some((s) => s?.state === 'FAILED')) return current;
        return current && current.connector.state === 'RUNNING' && current.tasks.length > 0 && current.tasks.every((t) => t.state === 'RUNNING') ? current : null;
      },
      { timeoutMs, intervalMs: 250, what: `connector ${name} on ${this.url} to run` },
    );
    const failed = [state.connector, ...state.tasks].find((s) => s.state === 'FAILED');
    if (failed) throw new Error(`connector ${name} FAILED: ${failed.trace ?? '(no trace)'}`);
    return state;
  }

  /** Deletes the connector (its source offsets stay in the offsets topic); a missing one is fine. */
  async deleteConnector(name: string): Promise<void> {
    const response = await fetch(`${this.url}/connectors/${encodeURIComponent(name)}`, { method: 'DELETE' });
    if (!response.ok && response.status !== 404) throw new Error(`DELETE connector ${name} answered ${response.status}: ${await response.text()}`);
  }
}
