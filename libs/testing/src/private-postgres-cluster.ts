import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { runToolCli } from './tool-cli';

const CLUSTER_CLI = 'tools/postgres/cluster.mjs';

/**
 * A PostgreSQL 15 cluster of a suite's own with wal_level=logical (tools/postgres/cluster.mjs), for what the
 * shared server cannot do: logical replication for Debezium. Its data lives in a temporary folder that
 * survives stop/start; destroy() deletes it.
 */
export class PrivatePostgresCluster {
  readonly clusterDir: string;
  private port: number | null = null;

  /** `label` names the temporary folder (labsync-<label>-pg-*), so a leftover one says whose it was. */
  constructor(label = 'private') {
    this.clusterDir = mkdtempSync(join(tmpdir(), `labsync-${label}-pg-`));
    // run as root, the server runs as the postgres OS user, which must reach (and will own) this folder
    chmodSync(this.clusterDir, 0o755);
  }

  /** Starts it (initdb on the first start) and creates `databases` that do not exist yet. */
  async start(...databases: string[]): Promise<void> {
    this.port ??= await freePort();
    await runToolCli(CLUSTER_CLI, ['start', '--cluster-dir', this.clusterDir, '--port', String(this.port)]);
    for (const database of databases) await runToolCli(CLUSTER_CLI, ['start', '--cluster-dir', this.clusterDir, '--database', database]);
  }

  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database = 'postgres'): string {
    if (this.port === null) throw new Error('the private cluster has no port yet: start() it first');
    return `postgres://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  get listeningPort(): number {
    if (this.port === null) throw new Error('the private cluster has no port yet: start() it first');
    return this.port;
  }

  /** A fast shutdown (sessions ended, nothing lost); the data stays for the next start(). */
  async stop(): Promise<void> {
    await runToolCli(CLUSTER_CLI, ['stop', '--cluster-dir', this.clusterDir]);
  }

  /** Stops it for good and deletes its folder (data, replication slots, log). */
  async destroy(): Promise<void> {
    await runToolCli(CLUSTER_CLI, ['reset', '--cluster-dir', this.clusterDir]);
  }
}
