// Consumer dead letters (labsync.deadletter.v1), through libs/messaging's dead-letter replay, compiled to dist/.
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from './args.mjs';
import { CliFailure } from './callback-dead-letters.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const COMPILED = join(root, 'dist/out/libs/messaging/src/consumer/dead-letter-replay.js');
/** Sources the compiled replay depends on: a change to any of them means rebuilding first. */
const SOURCES = ['libs/messaging/src', 'libs/contracts/src', 'libs/observability/src', 'libs/persistence/src'].map((d) => join(root, d));

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The compiled libs/messaging, built first when dist/ is missing or older than the sources (LABSYNC_SKIP_BUILD=1 skips that check). */
async function messaging(env) {
  if (!env.LABSYNC_SKIP_BUILD) {
    const built = statSync(COMPILED, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (built < Math.max(...SOURCES.map(newestSource))) {
      const { build } = await import('../build/build.mjs');
      await build({ quiet: true });
    }
  }
  return {
    ...require(join(root, 'dist/out/libs/messaging/src/kafka/kafka-client.js')),
    ...require(COMPILED),
  };
}

function settings(env) {
  const brokers = (env.KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((b) => b.trim()).filter(Boolean);
  const bad = brokers.filter((b) => !/^[^:\s]+:\d+$/.test(b));
  if (brokers.length === 0 || bad.length > 0) throw new CliFailure(`KAFKA_BROKERS must be host:port[,host:port...], not "${env.KAFKA_BROKERS}"`, EXIT.usage);
  const prefix = env.KAFKA_TOPIC_PREFIX || '';
  if (!/^[a-zA-Z0-9._-]*$/.test(prefix)) throw new CliFailure('KAFKA_TOPIC_PREFIX may contain only letters, digits, ".", "_" and "-"', EXIT.usage);
  return { brokers, prefix };
}

/** kafkajs logs go to stderr (as JSON lines), so stdout stays clean for --json. */
function stderrLogger(env) {
  const pino = require('pino');
  return pino({ level: env.LOG_LEVEL || 'error', base: { service: 'labsync-cli' } }, pino.destination(2));
}

async function withKafka(env, work) {
  const lib = await messaging(env);
  const { brokers, prefix } = settings(env);
  const kafka = lib.createKafka({ brokers, clientId: 'labsync-cli', topicPrefix: prefix }, stderrLogger(env));
  const naming = new lib.TopicNaming(prefix);
  try {
    return await work(lib, kafka, naming);
  } catch (error) {
    if (error instanceof CliFailure) throw error;
    const name = error?.name ?? '';
    if (/KafkaJS(Connection|NumberOfRetriesExceeded|NonRetriable|BrokerNotFound)/.test(name) || /does not exist/.test(error?.message ?? '')) {
      throw new CliFailure(`Kafka at ${brokers.join(',')}: ${error.message} (check KAFKA_BROKERS and KAFKA_TOPIC_PREFIX)`, EXIT.unavailable);
    }
    throw error;
  }
}

function filterOf(options) {
  return {
    ...(options.ids.length > 0 ? { ids: options.ids } : {}),
    ...(options.filter.topic ? { originalTopic: options.filter.topic } : {}),
    ...(options.filter.group ? { consumerGroup: options.filter.group } : {}),
    ...(options.filter.correlationId ? { correlationId: options.filter.correlationId } : {}),
  };
}

const describe = (e) =>
  `${e.id}  ${e.payload.originalTopic} [${e.payload.originalPartition}@${e.payload.originalOffset}]  group ${e.payload.consumerGroup}  correlation ${e.correlationId}` +
  `  event ${e.eventId ?? '(none)'}  at ${e.recordedAt}\n      reason: ${e.payload.reason}`;

/** @returns {Promise<number>} the exit code */
export async function listKafkaDeadLetters(options, env, out) {
  return withKafka(env, async (lib, kafka, naming) => {
    const { entries, unreadable } = await lib.readConsumerDeadLetters(kafka, naming, { filter: filterOf(options) });
    const shown = entries.slice(0, options.limit);
    if (options.json) {
      out.stdout(JSON.stringify({ deadLetters: shown, total: entries.length, unreadable }, null, 2));
      return EXIT.ok;
    }
    const topic = naming.physical('labsync.deadletter.v1');
    if (entries.length === 0) out.stdout(`No dead letters on ${topic}${Object.keys(filterOf(options)).length ? ' matching the filter' : ''}.`);
    else out.stdout(`${entries.length} dead letter${entries.length === 1 ? '' : 's'} on ${topic}${entries.length > shown.length ? ` (showing ${shown.length}; raise --limit or filter)` : ''}:`);
    for (const e of shown) out.stdout(`  ${describe(e)}`);
    if (unreadable.length > 0) {
      out.stdout(`${unreadable.length} record${unreadable.length === 1 ? '' : 's'} on the topic are not readable dead letters (never replayed):`);
      for (const u of unreadable) out.stdout(`  ${u.id}  ${u.problem}`);
    }
    return EXIT.ok;
  });
}

/** @returns {Promise<number>} the exit code */
export async function replayKafkaDeadLetters(options, env, out) {
  return withKafka(env, async (lib, kafka, naming) => {
    const { entries, unreadable } = await lib.readConsumerDeadLetters(kafka, naming, { filter: filterOf(options) });
    const chosen = options.ids.length > 0 ? entries : entries.slice(0, options.limit);
    const found = new Set(chosen.map((e) => e.id));
    const problems = options.ids
      .filter((id) => !found.has(id))
      .map((id) => {
        const bad = unreadable.find((u) => u.id === id);
        return { id, reason: bad ? `not a readable dead letter: ${bad.problem}` : 'no dead letter with this id on the dead-letter topic' };
      });
    const replayable = [];
    for (const entry of chosen) {
      try {
        lib.replayRecordOf(entry, naming);
        replayable.push(entry);
      } catch (error) {
        problems.push({ id: entry.id, reason: error.message });
      }
    }
    let replayed = [];
    if (replayable.length > 0) {
      const producer = lib.createIdempotentProducer(kafka);
      await producer.connect();
      try {
        replayed = await lib.replayConsumerDeadLetters(producer, naming, replayable);
      } finally {
        await producer.disconnect();
      }
    }
    if (options.json) {
      out.stdout(JSON.stringify({ replayed, notReplayed: problems }, null, 2));
    } else {
      if (replayed.length === 0 && problems.length === 0) out.stdout('No dead letters matched; nothing replayed.');
      for (const r of replayed) out.stdout(`replayed ${r.id} to ${r.topic} (partition ${r.partition}, offset ${r.offset})`);
      for (const p of problems) out.stderr(`not replayed ${p.id}: ${p.reason}`);
    }
    return problems.length > 0 ? EXIT.failed : EXIT.ok;
  });
}
