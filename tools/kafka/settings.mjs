// Where the local broker and its files live (the shared one, or a private one's run directory), and the
// small helpers every part of tools/kafka uses (the generic ones come from tools/local-service, shared with
// tools/connect and tools/postgres). Only node: builtins (this runs before `npm install`).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readText } from '../local-service/process-control.mjs';

export { DEPENDENCY_PLUGIN_VERSION } from '../local-service/maven.mjs';
export { POLL_MS, javaBin, readText, rel, run, secs, sleep } from '../local-service/process-control.mjs';

const SCRIPT_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(SCRIPT_DIR, '..', '..');
const VERSION_FILE = path.join(SCRIPT_DIR, 'version.json');

/** Kafka version: tools/kafka/version.json, overridable with env KAFKA_VERSION. */
export const KAFKA_VERSION =
  process.env.KAFKA_VERSION || JSON.parse(fs.readFileSync(VERSION_FILE, 'utf8')).kafka;

// Log4j 2 is what kafka-server 4.x itself depends on (log4j-api/core 2.25.3). Kafka's code
// logs through SLF4J 1.7.x (slf4j-api 1.7.36), so the matching binding is log4j-slf4j-impl
// (NOT log4j-slf4j2-impl, which needs slf4j-api 2.x and would silently fall back to NOP).
export const LOG4J_VERSION = '2.25.3';

export const KAFKA_HOST = '127.0.0.1';
export const KAFKA_PORT = 9092;
export const CONTROLLER_PORT = 9093;
export const KAFKA_BOOTSTRAP = `${KAFKA_HOST}:${KAFKA_PORT}`;

const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'kafka');
export const VERSION_DIR = path.join(CACHE_DIR, KAFKA_VERSION);
export const LIBS_DIR = path.join(VERSION_DIR, 'libs');
export const POM_FILE = path.join(VERSION_DIR, 'pom.xml');
export const MARKER_FILE = path.join(VERSION_DIR, '.provisioned.json');
/** The shared broker's lock; provisioning takes it too (the jars are shared). */
export const LOCK_FILE = path.join(CACHE_DIR, '.lock');
const RUN_DIR = path.join(CACHE_DIR, 'run');


/**
 * Where one broker lives and listens: the shared one (no options) or a private one with its own run
 * directory and ports. Every start/stop/status function works on one of these.
 */
export function brokerLayout({ runDir, port, controllerPort, host = KAFKA_HOST } = {}, { needPorts = false } = {}) {
  const isPrivate = runDir !== undefined && path.resolve(runDir) !== RUN_DIR;
  if (!isPrivate && ((port !== undefined && port !== KAFKA_PORT) || (controllerPort !== undefined && controllerPort !== CONTROLLER_PORT))) {
    throw new Error('kafka: a broker on other ports needs its own runDir (the shared one keeps 9092/9093)');
  }
  const dir = isPrivate ? path.resolve(runDir) : RUN_DIR;
  if (isPrivate && (port === undefined || controllerPort === undefined)) {
    // stop/status/reset of a private broker: its own generated config says where it listens
    const props = readText(path.join(dir, 'server.properties'));
    port ??= Number(/^listeners=PLAINTEXT:\/\/[^:]+:(\d+)/m.exec(props)?.[1]) || undefined;
    controllerPort ??= Number(/^listeners=.*CONTROLLER:\/\/[^:]+:(\d+)/m.exec(props)?.[1]) || undefined;
  }
  const b = {
    isPrivate,
    host,
    port: isPrivate ? port : KAFKA_PORT,
    controllerPort: isPrivate ? controllerPort : CONTROLLER_PORT,
    runDir: dir,
    dataDir: path.join(dir, 'data'),
    logsDir: path.join(dir, 'logs'),
    outLog: path.join(dir, 'kafka.out.log'),
    pidFile: path.join(dir, 'kafka.pid'),
    propsFile: path.join(dir, 'server.properties'),
    log4jFile: path.join(dir, 'log4j2.properties'),
    lockFile: isPrivate ? path.join(dir, '.lock') : LOCK_FILE,
    // A private broker is a short-lived test fixture beside the shared one: a smaller heap.
    jvmOpts: isPrivate ? ['-Xms128m', '-Xmx512m', ...JVM_OPTS.slice(2)] : JVM_OPTS,
  };
  b.serverLog = path.join(b.logsDir, 'server.log');
  b.bootstrap = `${b.host}:${b.port}`;
  // Stopping or probing a private broker that never started has no ports to know; starting one does.
  const portsKnown = b.port !== undefined || b.controllerPort !== undefined;
  if (isPrivate && (needPorts || portsKnown) && (!Number.isInteger(b.port) || !Number.isInteger(b.controllerPort) || b.port === b.controllerPort)) {
    throw new Error(`kafka: a private broker (runDir ${dir}) needs two distinct ports, port and controllerPort (got ${port} and ${controllerPort})`);
  }
  return b;
}

const JVM_OPTS = ['-Xms256m', '-Xmx1g', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExplicitGCInvokesConcurrent', '-Djava.awt.headless=true'];

export const log = (msg) => console.log(`kafka: ${msg}`);
export const classpath = () => path.join(LIBS_DIR, '*'); // expanded by the JVM, not a shell

export function externalBrokers() {
  const v = process.env.KAFKA_BROKERS;
  return v && v.trim() ? v.trim() : undefined;
}

export function skipForExternal(what) {
  const brokers = externalBrokers();
  if (!brokers) return false;
  log(`KAFKA_BROKERS=${brokers} is set, using that external cluster (nothing to ${what})`);
  return true;
}
