#!/usr/bin/env node
// Local single-node Apache Kafka (KRaft) for development and tests.
//
//   node tools/kafka/kafka.mjs provision|start|stop|status|reset
//   node tools/kafka/kafka.mjs start|stop|status|reset --run-dir <dir> --port <p> --controller-port <c>
//
// The broker jars come from Maven Central (via `mvn`) into .cache/kafka/<version>/libs;
// the broker runs as a detached JVM on 127.0.0.1:9092 (controller on 127.0.0.1:9093)
// with its state in .cache/kafka/run/. With --run-dir (or `runDir` from code) it runs an extra,
// private broker on its own ports with its own state, from the same jars (fault tests stop and
// restart one without touching the shared broker). Only node: builtins are used, so this works
// before `npm install`. See README.md next to this file.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(SCRIPT_DIR, '..', '..');
const VERSION_FILE = path.join(SCRIPT_DIR, 'version.json');

/** Kafka version: tools/kafka/version.json, overridable with env KAFKA_VERSION. */
export const KAFKA_VERSION =
  process.env.KAFKA_VERSION || JSON.parse(fs.readFileSync(VERSION_FILE, 'utf8')).kafka;

// Log4j 2 is what kafka-server 4.x itself depends on (log4j-api/core 2.25.3). Kafka's code
// logs through SLF4J 1.7.x (slf4j-api 1.7.36), so the matching binding is log4j-slf4j-impl
// (NOT log4j-slf4j2-impl, which needs slf4j-api 2.x and would silently fall back to NOP).
const LOG4J_VERSION = '2.25.3';
const DEPENDENCY_PLUGIN_VERSION = '3.8.1';

export const KAFKA_HOST = '127.0.0.1';
export const KAFKA_PORT = 9092;
const CONTROLLER_PORT = 9093;
export const KAFKA_BOOTSTRAP = `${KAFKA_HOST}:${KAFKA_PORT}`;

const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'kafka');
const VERSION_DIR = path.join(CACHE_DIR, KAFKA_VERSION);
const LIBS_DIR = path.join(VERSION_DIR, 'libs');
const POM_FILE = path.join(VERSION_DIR, 'pom.xml');
const MARKER_FILE = path.join(VERSION_DIR, '.provisioned.json');
const LOCK_FILE = path.join(CACHE_DIR, '.lock');
const RUN_DIR = path.join(CACHE_DIR, 'run');
const DATA_DIR = path.join(RUN_DIR, 'data');
const LOGS_DIR = path.join(RUN_DIR, 'logs');
const SERVER_LOG = path.join(LOGS_DIR, 'server.log');
const OUT_LOG = path.join(RUN_DIR, 'kafka.out.log');
const PID_FILE = path.join(RUN_DIR, 'kafka.pid');
const PROPS_FILE = path.join(RUN_DIR, 'server.properties');
const LOG4J_FILE = path.join(RUN_DIR, 'log4j2.properties');

/**
 * Where one broker lives and listens: the shared one (no options) or a private one with its own run
 * directory and ports. Every start/stop/status function works on one of these.
 */
function brokerLayout({ runDir, port, controllerPort, host = KAFKA_HOST } = {}, { needPorts = false } = {}) {
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
const DEFAULT_START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
const POLL_MS = 250;

const log = (msg) => console.log(`kafka: ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const rel = (p) => path.relative(process.cwd(), p) || '.';
const javaBin = () => (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
const classpath = () => path.join(LIBS_DIR, '*'); // expanded by the JVM, not a shell

function externalBrokers() {
  const v = process.env.KAFKA_BROKERS;
  return v && v.trim() ? v.trim() : undefined;
}

function skipForExternal(what) {
  const brokers = externalBrokers();
  if (!brokers) return false;
  log(`KAFKA_BROKERS=${brokers} is set, using that external cluster (nothing to ${what})`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Provisioning (Maven Central -> .cache/kafka/<version>/libs)
// ---------------------------------------------------------------------------------------------

function pomXml() {
  const dep = (g, a, v) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by tools/kafka/kafka.mjs; only used to fetch the broker's runtime classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>labsync.local</groupId>
  <artifactId>kafka-broker-classpath</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
${[
  dep('org.apache.kafka', 'kafka_2.13', KAFKA_VERSION),
  dep('org.apache.logging.log4j', 'log4j-api', LOG4J_VERSION),
  dep('org.apache.logging.log4j', 'log4j-core', LOG4J_VERSION),
  dep('org.apache.logging.log4j', 'log4j-slf4j-impl', LOG4J_VERSION),
].join('\n')}
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>${DEPENDENCY_PLUGIN_VERSION}</version>
      </plugin>
    </plugins>
  </build>
</project>
`;
}

const REQUIRED_JARS = [
  `kafka_2.13-${KAFKA_VERSION}.jar`, // kafka.Kafka, kafka.tools.StorageTool
  `kafka-clients-${KAFKA_VERSION}.jar`,
  `kafka-server-common-${KAFKA_VERSION}.jar`,
  `kafka-server-${KAFKA_VERSION}.jar`,
  `kafka-metadata-${KAFKA_VERSION}.jar`,
  `kafka-raft-${KAFKA_VERSION}.jar`,
  `kafka-storage-${KAFKA_VERSION}.jar`,
  `log4j-slf4j-impl-${LOG4J_VERSION}.jar`,
  `log4j-core-${LOG4J_VERSION}.jar`,
];

function provisionedOk(pomHash) {
  try {
    const marker = JSON.parse(fs.readFileSync(MARKER_FILE, 'utf8'));
    if (marker.pomHash !== pomHash) return false;
    const jars = new Set(fs.readdirSync(LIBS_DIR));
    return REQUIRED_JARS.every((j) => jars.has(j));
  } catch {
    return false;
  }
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => reject(new Error(`could not run ${cmd}: ${err.message}`)));
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function provisionUnlocked() {
  const pom = pomXml();
  const pomHash = createHash('sha256').update(pom).digest('hex');
  if (provisionedOk(pomHash)) return false;

  const t0 = Date.now();
  log(`provisioning ${KAFKA_VERSION} from Maven Central (first run only)...`);
  fs.mkdirSync(VERSION_DIR, { recursive: true });
  fs.rmSync(LIBS_DIR, { recursive: true, force: true });
  fs.rmSync(MARKER_FILE, { force: true });
  fs.writeFileSync(POM_FILE, pom);
  const mvn = process.env.MVN || (process.platform === 'win32' ? 'mvn.cmd' : 'mvn');
  const args = [
    '-q', '-B', '-f', POM_FILE,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${LIBS_DIR}`,
    '-DincludeScope=runtime',
  ];
  const { code, out } = await run(mvn, args, { cwd: VERSION_DIR, shell: process.platform === 'win32' });
  if (code !== 0) {
    process.stderr.write(out.split('\n').slice(-60).join('\n') + '\n');
    throw new Error(`kafka: provisioning failed (${mvn} exited with ${code}); is Maven installed and Maven Central reachable?`);
  }
  const jars = fs.readdirSync(LIBS_DIR).filter((f) => f.endsWith('.jar'));
  const missing = REQUIRED_JARS.filter((j) => !jars.includes(j));
  if (missing.length) throw new Error(`kafka: provisioning incomplete, missing ${missing.join(', ')}`);
  fs.writeFileSync(
    MARKER_FILE,
    JSON.stringify({ kafka: KAFKA_VERSION, log4j: LOG4J_VERSION, pomHash, jars: jars.length, at: new Date().toISOString() }, null, 2) + '\n',
  );
  log(`provisioned ${KAFKA_VERSION} (${jars.length} jars) into ${rel(LIBS_DIR)} in ${secs(t0)}`);
  return true;
}

/** Download the broker jars (idempotent). Returns true if something was downloaded. */
export async function provisionKafka() {
  if (skipForExternal('provision')) return false;
  return withLock(provisionUnlocked);
}

// ---------------------------------------------------------------------------------------------
// Cross-process lock (parallel jest globalSetups, two terminals, ...)
// ---------------------------------------------------------------------------------------------

async function withLock(fn, timeoutMs = 15 * 60_000, lockFile = LOCK_FILE) {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readText(lockFile));
      if (!holder || !pidAlive(holder)) {
        // stale lock (holder crashed or was killed); a partial write is retried next round
        if (holder || fileAgeMs(lockFile) > 5_000) fs.rmSync(lockFile, { force: true });
      } else if (!announced) {
        log(`waiting for another kafka.mjs (pid ${holder})...`);
        announced = true;
      }
      if (Date.now() > deadline) throw new Error(`kafka: timed out waiting for ${rel(lockFile)}`);
      await sleep(POLL_MS);
    }
  }
  try {
    return await fn();
  } finally {
    if (readText(lockFile) === String(process.pid)) fs.rmSync(lockFile, { force: true });
  }
}

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function fileAgeMs(file) {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** pid from kafka.pid if that process is alive and (where /proc exists) really our broker. */
function brokerPid(b = brokerLayout()) {
  const pid = Number(readText(b.pidFile));
  if (!pid || !pidAlive(pid)) return undefined;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('kafka.Kafka')) return undefined; // pid was recycled
  } catch {
    /* no /proc (macOS): trust the pid file */
  }
  return pid;
}

// ---------------------------------------------------------------------------------------------
// Readiness probe: raw Kafka protocol (ApiVersions v0, then Metadata) over a socket
// ---------------------------------------------------------------------------------------------

function kafkaRequest(socket, apiKey, apiVersion, correlationId, body, flexibleHeader) {
  const clientId = Buffer.from('labsync-kafka-mjs');
  const header = Buffer.alloc(10 + clientId.length + (flexibleHeader ? 1 : 0));
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  // flexible (v2) request header ends with an empty tagged-field section: uvarint 0 (already 0)
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + body.length);
  socket.write(Buffer.concat([size, header, body]));
}

function readUVarint(buf, offset) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[offset++];
    value |= (b & 0x7f) << shift;
    if (!(b & 0x80)) return [value, offset];
    shift += 7;
  }
}

/**
 * Resolves true when a Kafka broker at host:port answers ApiVersions and reports at least one
 * live broker in a Metadata response, i.e. it is really ready to serve clients.
 */
export function isKafkaReachable({ host, port, timeoutMs = 2_000 } = {}) {
  if (!host || !port) {
    const first = (externalBrokers() || KAFKA_BOOTSTRAP).split(',')[0].trim().replace(/^[a-z]+:\/\//i, '');
    const i = first.lastIndexOf(':');
    host ??= i > 0 ? first.slice(0, i).replace(/^\[|\]$/g, '') : first;
    port ??= i > 0 ? Number(first.slice(i + 1)) : KAFKA_PORT;
  }
  return new Promise((resolve) => {
    let done = false;
    let buf = Buffer.alloc(0);
    let stage = 'apiVersions';
    let metadataVersion = -1;
    const socket = net.connect({ host, port });
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('connect', () => kafkaRequest(socket, 18, 0, 1, Buffer.alloc(0), false));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (buf.length < 4 + size) return;
      const res = buf.subarray(4, 4 + size);
      buf = buf.subarray(4 + size);
      try {
        if (stage === 'apiVersions') {
          // correlation_id, error_code, [api_key, min, max]
          if (res.readInt32BE(0) !== 1 || res.readInt16BE(4) !== 0) return finish(false);
          const n = res.readInt32BE(6);
          for (let i = 0, o = 10; i < n; i++, o += 6) {
            if (res.readInt16BE(o) === 3) {
              const min = res.readInt16BE(o + 2);
              const max = res.readInt16BE(o + 4);
              const v = Math.min(max, 13);
              if (v >= min && v >= 4) metadataVersion = v;
            }
          }
          if (metadataVersion < 0) return finish(true); // cannot speak its Metadata; ApiVersions is enough
          stage = 'metadata';
          const flexible = metadataVersion >= 9;
          let body;
          if (flexible) {
            // topics=null (compact), allow_auto_topic_creation, [include_cluster_authorized_operations v9-10],
            // include_topic_authorized_operations, tagged fields
            body = Buffer.from(metadataVersion <= 10 ? [0, 0, 0, 0, 0] : [0, 0, 0, 0]);
          } else {
            // topics=null, allow_auto_topic_creation, [v8: include_cluster/topic_authorized_operations]
            body = Buffer.from(metadataVersion >= 8 ? [0xff, 0xff, 0xff, 0xff, 0, 0, 0] : [0xff, 0xff, 0xff, 0xff, 0]);
          }
          kafkaRequest(socket, 3, metadataVersion, 2, body, flexible);
        } else {
          if (res.readInt32BE(0) !== 2) return finish(false);
          let o = 4;
          let brokers;
          if (metadataVersion >= 9) {
            [, o] = readUVarint(res, o); // response header tagged fields (count)
            o += 4; // throttle_time_ms
            [brokers] = readUVarint(res, o);
            brokers -= 1;
          } else {
            o += 4; // throttle_time_ms (v3+)
            brokers = res.readInt32BE(o);
          }
          finish(brokers > 0);
        }
      } catch {
        finish(false);
      }
    });
  });
}

function portOpen(host, port, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => finish(true));
    socket.on('error', () => finish(false));
  });
}

// ---------------------------------------------------------------------------------------------
// Broker config
// ---------------------------------------------------------------------------------------------

function serverProperties(b) {
  const p = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    // Dynamic KRaft quorum (KIP-853), as in Kafka 4.x's own config/server.properties;
    // storage is formatted with --standalone to make node 1 the sole voter.
    'controller.quorum.bootstrap.servers': `${b.host}:${b.controllerPort}`,
    listeners: `PLAINTEXT://${b.host}:${b.port},CONTROLLER://${b.host}:${b.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${b.host}:${b.port},CONTROLLER://${b.host}:${b.controllerPort}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': b.dataDir,
    'num.partitions': 6,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'auto.create.topics.enable': false,
    'delete.topic.enable': true,
    // internal topics: single replica, and fewer partitions than the default 50 so the first
    // consumer group / transaction / share group does not have to create 50 partitions
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 6,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 6,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'share.coordinator.state.topic.num.partitions': 6,
    // tests: no 3 s wait before the first consumer group rebalance
    'group.initial.rebalance.delay.ms': 0,
    // small machine (2 cores): fewer threads than the defaults (3 network / 8 io)
    'num.network.threads': 2,
    'num.io.threads': 4,
    'background.threads': 4,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.threads': 1,
    'log.retention.hours': 24,
  };
  return (
    `# Generated by tools/kafka/kafka.mjs (Kafka ${KAFKA_VERSION}) - edits are overwritten on start\n` +
    Object.entries(p)
      .map(([k, v]) => `${k}=${String(v).replace(/\\/g, '\\\\')}`)
      .join('\n') +
    '\n'
  );
}

function log4jProperties(b) {
  return `# Generated by tools/kafka/kafka.mjs - broker logs go to ${rel(b.serverLog)}
status = warn
# Kafka logs during its own shutdown hook; keep log4j alive until the JVM exits
shutdownHook = disable
appender.file.type = RollingFile
appender.file.name = FILE
appender.file.fileName = \${sys:kafka.logs.dir}/server.log
appender.file.filePattern = \${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
`;
}

function javaArgs(b, mainClass, heap) {
  return [
    ...heap,
    `-Dlog4j2.configurationFile=${b.log4jFile}`,
    `-Dkafka.logs.dir=${b.logsDir}`,
    '-cp',
    classpath(),
    mainClass,
  ];
}

function isFormatted(b) {
  return fs.existsSync(path.join(b.dataDir, 'meta.properties'));
}

async function formatStorage(b) {
  // Kafka's Uuid.randomUuid(): 16 random bytes, base64url without padding, never starting with '-'
  let clusterId;
  do clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-'));
  const args = [
    ...javaArgs(b, 'kafka.tools.StorageTool', ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1']),
    'format',
    '--cluster-id', clusterId,
    '--config', b.propsFile,
    '--standalone',
  ];
  const { code, out } = await run(javaBin(), args, { cwd: b.runDir });
  if (code !== 0) {
    process.stderr.write(out);
    throw new Error(`kafka: formatting ${rel(b.dataDir)} failed (StorageTool exited with ${code})`);
  }
  return clusterId;
}

function tail(file, lines) {
  const text = readText(file);
  // skip Java stack frames so the actual error messages fit into the tail
  return text
    ? text
        .split('\n')
        .filter((l) => !/^\s+(at |\.\.\. \d+ more)/.test(l))
        .slice(-lines)
        .join('\n')
    : '';
}

function printLogTail(b) {
  const server = tail(b.serverLog, 40);
  const out = tail(b.outLog, 40);
  if (server) console.error(`----- last lines of ${rel(b.serverLog)} -----\n${server}`);
  if (out) console.error(`----- last lines of ${rel(b.outLog)} -----\n${out}`);
  if (!server && !out) console.error('kafka: (no broker log output)');
}

// ---------------------------------------------------------------------------------------------
// start / stop / status / reset
// ---------------------------------------------------------------------------------------------

async function waitUntilReady(b, pid, deadline, isAlive = () => pidAlive(pid)) {
  for (;;) {
    if (await isKafkaReachable({ host: b.host, port: b.port, timeoutMs: 1_000 })) return true;
    if (pid && !isAlive()) return false;
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
}

/**
 * Start the local broker (provisioning and formatting storage if needed) and resolve once it
 * serves clients. No-op when KAFKA_BROKERS is set or a broker already answers on 127.0.0.1:9092.
 *
 * With `runDir`, `port` and `controllerPort` it starts an extra, private broker instead: its own
 * state in runDir (kept across stop/start, so a restart finds its topics and offsets again), the
 * same provisioned jars, a smaller heap. KAFKA_BROKERS does not apply to a private broker.
 * Returns { brokers, version, external, alreadyRunning, pid }.
 */
export async function startKafka({ timeoutMs = Number(process.env.KAFKA_START_TIMEOUT_MS) || DEFAULT_START_TIMEOUT_MS, runDir, port, controllerPort } = {}) {
  const b = brokerLayout({ runDir, port, controllerPort }, { needPorts: true });
  const external = externalBrokers();
  if (!b.isPrivate && skipForExternal('start')) return { brokers: external, version: undefined, external: true, alreadyRunning: true };

  // A private broker needs the jars too; provisioning is shared, so it takes the shared lock.
  if (b.isPrivate) await withLock(provisionUnlocked);
  return withLock(() => startUnlocked(b, timeoutMs), undefined, b.lockFile);
}

async function startUnlocked(b, timeoutMs) {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const result = (alreadyRunning, pid) => ({ brokers: b.bootstrap, version: KAFKA_VERSION, external: false, alreadyRunning, pid });

  const existing = brokerPid(b);
  if (b.isPrivate && !existing && ((await portOpen(b.host, b.port)) || (await portOpen(b.host, b.controllerPort)))) {
    // never adopt someone else's broker (the shared one, another suite's) as this private one
    throw new Error(`kafka: port ${b.port} or ${b.controllerPort} is already in use; a private broker needs free ports`);
  }
  if (existing || (await portOpen(b.host, b.port))) {
    // a broker is running or still starting up; give it until the deadline to become ready
    if (await waitUntilReady(b, existing, deadline)) {
      log(`already running on ${b.bootstrap}${existing ? ` (pid ${existing})` : ' (not started by this script)'}`);
      return result(true, existing);
    }
    if (existing && pidAlive(existing)) {
      printLogTail(b);
      throw new Error(`kafka: broker pid ${existing} is running but not ready on ${b.bootstrap}; try \`node tools/kafka/kafka.mjs reset${b.isPrivate ? ` --run-dir ${b.runDir}` : ''}\``);
    }
    if (!existing) throw new Error(`kafka: ${b.bootstrap} is in use by something that does not answer like a Kafka broker`);
  }
  fs.rmSync(b.pidFile, { force: true });

  if (!b.isPrivate) await provisionUnlocked();

  fs.mkdirSync(b.logsDir, { recursive: true });
  for (const f of fs.readdirSync(b.logsDir)) {
    // keep only the previous run's log next to the new one
    if (f.startsWith('server.log')) fs.renameSync(path.join(b.logsDir, f), path.join(b.logsDir, `previous-${f}`));
  }
  fs.writeFileSync(b.propsFile, serverProperties(b));
  fs.writeFileSync(b.log4jFile, log4jProperties(b));
  if (!isFormatted(b)) {
    const tf = Date.now();
    const clusterId = await formatStorage(b);
    log(`formatted ${rel(b.dataDir)} (cluster id ${clusterId}) in ${secs(tf)}`);
  }

  const t1 = Date.now();
  const outFd = fs.openSync(b.outLog, 'w');
  const child = spawn(javaBin(), [...javaArgs(b, 'kafka.Kafka', b.jvmOpts), b.propsFile], {
    cwd: b.runDir,
    detached: true,
    stdio: ['ignore', outFd, outFd],
  });
  fs.closeSync(outFd);
  let exited = false;
  child.on('exit', () => (exited = true));
  const spawnError = await new Promise((resolve) => {
    child.once('error', resolve);
    child.once('spawn', () => resolve(undefined));
  });
  if (spawnError) throw new Error(`kafka: could not run ${javaBin()}: ${spawnError.message}`);
  child.unref();
  fs.writeFileSync(b.pidFile, `${child.pid}\n`);

  if (await waitUntilReady(b, child.pid, deadline, () => !exited && pidAlive(child.pid))) {
    log(`started ${KAFKA_VERSION} on ${b.bootstrap} in ${secs(t1)} (pid ${child.pid}, logs in ${rel(b.logsDir)})`);
    return result(false, child.pid);
  }
  const why = exited ? 'the broker process exited' : `not ready within ${Math.round(timeoutMs / 1000)}s`;
  if (!exited) await killBroker(child.pid, 5_000);
  fs.rmSync(b.pidFile, { force: true });
  printLogTail(b);
  throw new Error(`kafka: failed to start ${KAFKA_VERSION} (${why}); full log: ${rel(b.serverLog)}`);
}

async function killBroker(pid, timeoutMs, signal = 'SIGTERM') {
  try {
    process.kill(pid, signal);
  } catch {
    return true;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return signal === 'SIGTERM';
    await sleep(POLL_MS);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  for (let i = 0; i < 20 && pidAlive(pid); i++) await sleep(POLL_MS);
  return false;
}

async function stopUnlocked(b, signal = 'SIGTERM') {
  const pid = brokerPid(b);
  if (!pid) {
    fs.rmSync(b.pidFile, { force: true });
    const busy = b.port !== undefined && (await portOpen(b.host, b.port));
    log(`not running${busy ? ` (but something else listens on ${b.bootstrap})` : ''}`);
    return false;
  }
  const t0 = Date.now();
  const graceful = await killBroker(pid, STOP_TIMEOUT_MS, signal);
  fs.rmSync(b.pidFile, { force: true });
  if (signal === 'SIGKILL') log(`killed (pid ${pid}, SIGKILL) in ${secs(t0)}`);
  else log(graceful ? `stopped (pid ${pid}) in ${secs(t0)}` : `killed (pid ${pid}) after ${STOP_TIMEOUT_MS / 1000}s without a clean shutdown`);
  return true;
}

/**
 * Stop the broker started by startKafka() (SIGTERM, SIGKILL after 30 s). Returns true if one was stopped.
 * With `runDir`, stops that private broker only (its data stays for a restart); `kill: true` sends
 * SIGKILL at once (a crash, no clean shutdown).
 */
export async function stopKafka({ runDir, kill = false } = {}) {
  const b = brokerLayout({ runDir });
  if (!b.isPrivate && skipForExternal('stop')) return false;
  return withLock(() => stopUnlocked(b, kill ? 'SIGKILL' : 'SIGTERM'), undefined, b.lockFile);
}

/** Stop the broker and delete its data dir (topics, offsets, cluster id). With `runDir`, that private broker's. */
export async function resetKafka({ runDir } = {}) {
  const b = brokerLayout({ runDir });
  if (!b.isPrivate && skipForExternal('reset')) return false;
  return withLock(async () => {
    await stopUnlocked(b);
    fs.rmSync(b.dataDir, { recursive: true, force: true });
    fs.rmSync(b.logsDir, { recursive: true, force: true });
    fs.rmSync(b.outLog, { force: true });
    log(`deleted ${rel(b.dataDir)}`);
    return true;
  }, undefined, b.lockFile);
}

/** { running, managed, pid, brokers, version }; with `runDir`, `port`, `controllerPort`, of that private broker. */
export async function kafkaStatus({ runDir, port, controllerPort } = {}) {
  const b = brokerLayout({ runDir, port, controllerPort });
  const external = externalBrokers();
  if (!b.isPrivate && external) return { running: await isKafkaReachable(), managed: false, brokers: external, external: true };
  const pid = brokerPid(b);
  const running = b.port !== undefined && (await isKafkaReachable({ host: b.host, port: b.port }));
  return { running, managed: Boolean(pid), pid, brokers: b.bootstrap, version: KAFKA_VERSION, external: false };
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

/** `--run-dir <dir> --port <n> --controller-port <n> --kill` (also `--flag=value`). */
export function parseBrokerArgs(args) {
  const options = {};
  const names = { '--run-dir': 'runDir', '--port': 'port', '--controller-port': 'controllerPort' };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag === '--kill') {
      options.kill = true;
      continue;
    }
    const name = names[flag];
    if (!name) throw new Error(`kafka: unknown option ${args[i]}`);
    const value = inline ?? args[++i];
    if (value === undefined || value === '') throw new Error(`kafka: ${flag} needs a value`);
    if (name === 'runDir') options.runDir = value;
    else {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`kafka: ${flag} must be a port number, got ${value}`);
      options[name] = n;
    }
  }
  return options;
}

async function main(cmd, args) {
  const { kill, ...broker } = parseBrokerArgs(args);
  const isPrivate = broker.runDir !== undefined;
  switch (cmd) {
    case 'provision': {
      if (!(await provisionKafka()) && !externalBrokers()) log(`${KAFKA_VERSION} already provisioned in ${rel(LIBS_DIR)}`);
      return 0;
    }
    case 'start':
      await startKafka(broker);
      return 0;
    case 'stop':
      await stopKafka({ runDir: broker.runDir, kill });
      return 0;
    case 'reset':
      await resetKafka({ runDir: broker.runDir });
      return 0;
    case 'status': {
      const s = await kafkaStatus(broker);
      if (s.external) log(`external cluster KAFKA_BROKERS=${s.brokers} is ${s.running ? 'reachable' : 'NOT reachable'}`);
      else if (s.running) log(`running ${KAFKA_VERSION} on ${s.brokers}${s.pid ? ` (pid ${s.pid})` : ' (not started by this script)'}`);
      else log(`not running${s.pid ? ` (pid ${s.pid} exists but does not answer on ${s.brokers})` : ''}${isPrivate ? ` (run dir ${broker.runDir})` : ''}`);
      return s.running ? 0 : 1;
    }
    default:
      console.error('usage: node tools/kafka/kafka.mjs <provision|start|stop|status|reset> [--run-dir <dir> --port <n> --controller-port <n>] [--kill]');
      console.error('  --run-dir ... : a private extra broker with its own state and ports (start needs both ports; stop --kill = SIGKILL)');
      console.error('env: KAFKA_BROKERS (use an external cluster), KAFKA_VERSION, KAFKA_START_TIMEOUT_MS, JAVA_HOME, MVN');
      return cmd ? 2 : 0;
  }
}

function invokedDirectly() {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  Promise.resolve()
    .then(() => main(process.argv[2], process.argv.slice(3)))
    .then(
      (code) => process.exit(code),
      (err) => {
        console.error(err && err.message ? err.message : err);
        process.exit(1);
      },
    );
}
