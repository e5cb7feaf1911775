#!/usr/bin/env node
// Kafka Connect with Debezium's PostgreSQL connector, for development and tests (the `cdc` capture mode).
//
//   node tools/connect/connect.mjs provision|start|stop|status|reset [--run-dir <dir>] [--rest-port <p>] [--brokers <b>] [--group-id <g>] [--kill]
//
// Connect's classpath and the Debezium plugin come from Maven Central (via `mvn`) into .cache/connect/;
// versions are pinned in versions.mjs. A worker runs in distributed mode as a detached JVM with its REST API
// on 127.0.0.1 (8083 for the default worker, state in .cache/connect/run/), its config/offset/status topics on
// the given broker and named after its group, so connectors registered over REST survive a restart and two
// workers never share topics. Only node: builtins are used. See docs/cdc-tooling.md.
//
// The parts: versions.mjs, settings.mjs (where things are), provision.mjs (Maven), worker-config.mjs,
// worker-process.mjs (start/stop/status/reset), readiness.mjs (REST probe), class-data-archive.mjs (faster JVM start).

import { parseOptions, runWhenInvoked } from '../local-service/cli.mjs';
import { provisionConnect } from './provision.mjs';
import { log } from './settings.mjs';
import { CONNECT_VERSION, DEBEZIUM_VERSION } from './versions.mjs';
import { connectStatus, resetConnect, startConnect, stopConnect } from './worker-process.mjs';

export { CONNECT_VERSION, DEBEZIUM_POSTGRES_CONNECTOR_CLASS, DEBEZIUM_VERSION } from './versions.mjs';
export { provisionConnect } from './provision.mjs';
export { connectReadiness } from './readiness.mjs';
export { internalTopics } from './worker-config.mjs';
export { connectStatus, resetConnect, startConnect, stopConnect } from './worker-process.mjs';

/** `--run-dir <dir> --rest-port <n> --brokers <list> --group-id <id> --kill` (also `--flag=value`). */
export function parseWorkerArgs(args) {
  return parseOptions(args, {
    label: 'connect',
    values: { '--run-dir': 'runDir', '--rest-port': 'restPort', '--brokers': 'brokers', '--group-id': 'groupId' },
    ports: ['restPort'],
    switches: { '--kill': 'kill' },
  });
}

async function main(cmd, args) {
  const { kill, ...worker } = parseWorkerArgs(args);
  switch (cmd) {
    case 'provision':
      if (!(await provisionConnect())) log(`Kafka Connect ${CONNECT_VERSION} and Debezium ${DEBEZIUM_VERSION} already provisioned in .cache/connect`);
      return 0;
    case 'start': {
      const started = await startConnect(worker);
      console.log(started.url);
      return 0;
    }
    case 'stop':
      await stopConnect({ runDir: worker.runDir, kill });
      return 0;
    case 'reset':
      await resetConnect({ runDir: worker.runDir });
      return 0;
    case 'status': {
      const s = await connectStatus({ runDir: worker.runDir });
      if (s.running) log(`running Kafka Connect ${s.version} on ${s.url}${s.pid ? ` (pid ${s.pid})` : ' (not started by this script)'}, group ${s.groupId}, brokers ${s.brokers}`);
      else log(`not running${s.pid ? ` (pid ${s.pid} exists but is not ready on ${s.url}: ${s.reason})` : ''}${worker.runDir ? ` (run dir ${worker.runDir})` : ''}`);
      return s.running ? 0 : 1;
    }
    default:
      console.error('usage: node tools/connect/connect.mjs <provision|start|stop|status|reset> [--run-dir <dir>] [--rest-port <n>] [--brokers <list>] [--group-id <id>] [--kill]');
      console.error('  start prints the REST URL; --run-dir: a worker of its own (start needs --rest-port); stop --kill = SIGKILL');
      console.error('env: KAFKA_CONNECT_PORT (default worker REST port, 8083), KAFKA_BROKERS, KAFKA_CONNECT_START_TIMEOUT_MS, JAVA_HOME, MVN');
      return cmd ? 2 : 0;
  }
}

runWhenInvoked(import.meta.url, main);
