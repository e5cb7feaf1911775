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
//
// This file is the CLI; the parts live beside it: settings.mjs (where things are), provision.mjs (Maven),
// broker-process.mjs (start/stop/status/reset), lock.mjs, readiness.mjs (raw protocol probe) and
// broker-config.mjs. Its exports stay the module's API (tools/test and tools/stack import them).

import { parseOptions, runWhenInvoked } from '../local-service/cli.mjs';
import { kafkaStatus, resetKafka, startKafka, stopKafka } from './broker-process.mjs';
import { provisionKafka } from './provision.mjs';
import { KAFKA_VERSION, LIBS_DIR, externalBrokers, log, rel } from './settings.mjs';

export { KAFKA_BOOTSTRAP, KAFKA_HOST, KAFKA_PORT, KAFKA_VERSION } from './settings.mjs';
export { isKafkaReachable } from './readiness.mjs';
export { provisionKafka } from './provision.mjs';
export { kafkaStatus, resetKafka, startKafka, stopKafka } from './broker-process.mjs';

/** `--run-dir <dir> --port <n> --controller-port <n> --kill` (also `--flag=value`). */
export function parseBrokerArgs(args) {
  return parseOptions(args, {
    label: 'kafka',
    values: { '--run-dir': 'runDir', '--port': 'port', '--controller-port': 'controllerPort' },
    ports: ['port', 'controllerPort'],
    switches: { '--kill': 'kill' },
  });
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

runWhenInvoked(import.meta.url, main);
