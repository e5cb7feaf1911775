// Where a private Postgres cluster lives and which server binaries and OS user run it. Only node: builtins.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { portFromEnv } from '../local-service/cli.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_CLUSTER_DIR = path.join(REPO_ROOT, '.cache', 'postgres', 'cdc');

export const PG_MAJOR = 15;
/** Debian/Ubuntu's layout of the postgresql-15 package; PG_BIN_DIR points elsewhere. */
export const DEFAULT_BIN_DIR = `/usr/lib/postgresql/${PG_MAJOR}/bin`;
/** Not 5432: the shared server keeps that one. CDC_POSTGRES_PORT moves the default cluster. */
export const DEFAULT_PORT = 5433;
export const HOST = '127.0.0.1';
/** initdb refuses to run as root; as root the cluster belongs to this OS user. */
export const SERVER_OS_USER = 'postgres';
export const SUPERUSER = 'postgres';

export const log = (msg) => console.log(`postgres: ${msg}`);

export const binDir = () => process.env.PG_BIN_DIR || DEFAULT_BIN_DIR;

/**
 * One cluster: its folder holds data/ (PGDATA), the server log, the unix socket and cluster.json (the port
 * it was started on, so stop/status/url find it again).
 */
export function clusterLayout({ clusterDir, port } = {}) {
  const dir = path.resolve(clusterDir ?? process.env.CDC_POSTGRES_DIR ?? DEFAULT_CLUSTER_DIR);
  const stateFile = path.join(dir, 'cluster.json');
  let saved = {};
  try {
    saved = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch {
    /* never started */
  }
  const c = {
    dir,
    isDefault: dir === DEFAULT_CLUSTER_DIR,
    dataDir: path.join(dir, 'data'),
    logFile: path.join(dir, 'postgres.log'),
    socketDir: dir,
    stateFile,
    // the lock sits beside the cluster folder: the folder itself belongs to the postgres OS user
    lockFile: `${dir}.lock`,
    host: HOST,
    port: port ?? envPortFor(dir) ?? saved.port ?? DEFAULT_PORT,
  };
  c.settingsFile = path.join(c.dataDir, 'labsync.conf');
  return c;
}

// CDC_POSTGRES_PORT applies to the default cluster (and to a CDC_POSTGRES_DIR one), not to a test's private one.
const envPortFor = (dir) => (dir === path.resolve(process.env.CDC_POSTGRES_DIR ?? DEFAULT_CLUSTER_DIR) ? portFromEnv('CDC_POSTGRES_PORT', 'postgres') : undefined);

/** postgres://postgres@127.0.0.1:<port>/<database> */
export const clusterUrl = (c, database = 'postgres') => `postgres://${SUPERUSER}@${c.host}:${c.port}/${encodeURIComponent(database)}`;
