// Where Kafka Connect's jars, plugins and workers live (the default worker, or one with its own run directory),
// and the defaults a worker runs with. Only node: builtins (this runs before `npm install`).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { portFromEnv } from '../local-service/cli.mjs';
import { CONNECT_VERSION, DEBEZIUM_VERSION } from './versions.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'connect');

export const CONNECT_DIR = path.join(CACHE_DIR, CONNECT_VERSION);
export const CONNECT_LIBS_DIR = path.join(CONNECT_DIR, 'libs');
export const CONNECT_POM_FILE = path.join(CONNECT_DIR, 'pom.xml');
export const CONNECT_MARKER_FILE = path.join(CONNECT_DIR, '.provisioned.json');

export const DEBEZIUM_DIR = path.join(CACHE_DIR, `debezium-${DEBEZIUM_VERSION}`);
/** Connect's plugin.path: each plugin unpacked into a folder of its own, loaded in an isolated class loader. */
export const PLUGIN_PATH = path.join(DEBEZIUM_DIR, 'plugins');
export const DEBEZIUM_MARKER_FILE = path.join(DEBEZIUM_DIR, '.provisioned.json');

/** Provisioning is shared by every worker, so it has one lock. */
export const PROVISION_LOCK_FILE = path.join(CACHE_DIR, '.lock');
const DEFAULT_RUN_DIR = path.join(CACHE_DIR, 'run');

export const CONNECT_HOST = '127.0.0.1';
/** Connect's own default REST port; KAFKA_CONNECT_PORT moves the default worker. */
export const DEFAULT_REST_PORT = 8083;
export const JVM_OPTS = ['-Xms64m', '-Xmx256m', '-XX:+UseSerialGC', '-Djava.awt.headless=true'];
export const MAIN_CLASS = 'org.apache.kafka.connect.cli.ConnectDistributed';

export const log = (msg) => console.log(`connect: ${msg}`);
export const connectClasspath = () => path.join(CONNECT_LIBS_DIR, '*'); // expanded by the JVM, not a shell

/**
 * Where one worker lives and what it talks to: the default one (.cache/connect/run, REST on 8083 or
 * KAFKA_CONNECT_PORT) or one with its own run directory. restPort, brokers and groupId given at start are
 * written to the run directory's worker.json, so stop/status find them again and a restart rejoins the same
 * Connect cluster (same config/offset/status topics: connectors registered over REST survive it).
 */
export function workerLayout({ runDir, restPort, brokers, groupId } = {}) {
  const dir = runDir ? path.resolve(runDir) : DEFAULT_RUN_DIR;
  const stateFile = path.join(dir, 'worker.json');
  let saved = {};
  try {
    saved = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch {
    /* first start of this worker */
  }
  const w = {
    runDir: dir,
    isDefault: dir === DEFAULT_RUN_DIR,
    stateFile,
    host: CONNECT_HOST,
    restPort: restPort ?? saved.restPort ?? (dir === DEFAULT_RUN_DIR ? (portFromEnv('KAFKA_CONNECT_PORT', 'connect') ?? DEFAULT_REST_PORT) : undefined),
    brokers: brokers ?? saved.brokers ?? (process.env.KAFKA_BROKERS?.trim() || '127.0.0.1:9092'),
    groupId: groupId ?? saved.groupId,
    propsFile: path.join(dir, 'worker.properties'),
    log4jFile: path.join(dir, 'log4j2.properties'),
    logsDir: path.join(dir, 'logs'),
    outLog: path.join(dir, 'connect.out.log'),
    pidFile: path.join(dir, 'connect.pid'),
    lockFile: path.join(dir, '.lock'),
  };
  w.connectLog = path.join(w.logsDir, 'connect.log');
  w.url = w.restPort ? `http://${w.host}:${w.restPort}` : undefined;
  return w;
}

export function saveWorkerState(w) {
  fs.mkdirSync(w.runDir, { recursive: true });
  fs.writeFileSync(w.stateFile, JSON.stringify({ restPort: w.restPort, brokers: w.brokers, groupId: w.groupId }, null, 2) + '\n');
}
