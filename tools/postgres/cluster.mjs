#!/usr/bin/env node
// A private PostgreSQL 15 cluster with wal_level=logical, for Debezium (the `cdc` capture mode) and the
// sources it captures: the shared server runs wal_level=replica and must never be reconfigured or restarted.
//
//   node tools/postgres/cluster.mjs start|stop|status|url|reset [--cluster-dir <dir>] [--port <p>] [--database <name>]
//
// initdb from /usr/lib/postgresql/15/bin (PG_BIN_DIR) into .cache/postgres/cdc/data, run as the postgres OS
// user when we are root (initdb refuses root); listens on 127.0.0.1 only, port 5433 (CDC_POSTGRES_PORT),
// trust auth for the postgres superuser. `start` is idempotent and prints the URL. Only node: builtins.
// See docs/cdc-tooling.md.

import { parseOptions, runWhenInvoked } from '../local-service/cli.mjs';
import { clusterStatus, clusterUrlOf, resetCluster, startCluster, stopCluster } from './cluster-process.mjs';
import { log } from './settings.mjs';

export { clusterStatus, clusterUrlOf, resetCluster, startCluster, stopCluster } from './cluster-process.mjs';
export { DEFAULT_PORT } from './settings.mjs';

/** `--cluster-dir <dir> --port <n> --database <name>` (also `--flag=value`). */
export function parseClusterArgs(args) {
  return parseOptions(args, {
    label: 'postgres',
    values: { '--cluster-dir': 'clusterDir', '--port': 'port', '--database': 'database' },
    ports: ['port'],
  });
}

async function main(cmd, args) {
  const options = parseClusterArgs(args);
  switch (cmd) {
    case 'start':
      console.log((await startCluster(options)).url);
      return 0;
    case 'stop':
      await stopCluster(options);
      return 0;
    case 'reset':
      await resetCluster(options);
      return 0;
    case 'status': {
      const s = await clusterStatus(options);
      if (s.ready) log(`running on 127.0.0.1:${s.port} (${s.url})`);
      else log(s.running ? `running but not accepting connections on port ${s.port}` : `not running (${s.dir})`);
      return s.ready ? 0 : 1;
    }
    case 'url':
      console.log(clusterUrlOf(options));
      return 0;
    default:
      console.error('usage: node tools/postgres/cluster.mjs <start|stop|status|url|reset> [--cluster-dir <dir>] [--port <n>] [--database <name>]');
      console.error('  start: initdb on first use, start, wait until it accepts connections, create --database if missing, print the URL');
      console.error('env: CDC_POSTGRES_PORT (default 5433), CDC_POSTGRES_DIR (default .cache/postgres/cdc), PG_BIN_DIR (default /usr/lib/postgresql/15/bin)');
      return cmd ? 2 : 0;
  }
}

runWhenInvoked(import.meta.url, main);
