// Command-line parsing of `npm run labsync -- ...` (pure: argv in, a command or a UsageError out).
import { parseArgs } from 'node:util';

export const EXIT = Object.freeze({
  /** Everything asked for was done. */
  ok: 0,
  /** Something asked for could not be done (unknown id, not a dead letter, a server error). */
  failed: 1,
  /** The command line is wrong (nothing was sent). */
  usage: 2,
  /** The portal-adapter or Kafka cannot be reached, or refused the operator key. */
  unavailable: 3,
});

export const USAGE = `labsync: operate a running labsync

Usage:
  npm run labsync -- dead-letters list   [--kafka] [filters] [--limit N] [--json]
  npm run labsync -- dead-letters replay [--kafka] (<id>... | filters | --all) [--limit N] [--json]

Callbacks (default): dead-lettered callbacks of the portal-adapter (its operator API).
  ids are notification ids (the X-Labsync-Event-Id of the callback)
  filters: --partner <partnerId>  --correlation <correlationId>
  env: PORTAL_ADAPTER_URL (default http://127.0.0.1:3000), OPERATOR_API_KEY (default dev-operator-key)

--kafka: messages consumers gave up on, on labsync.deadletter.v1; a replay republishes the original record
  ids are <partition>:<offset> on the dead-letter topic (see list)
  filters: --topic <original topic>  --group <consumer group>  --correlation <correlationId>
  env: KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_TOPIC_PREFIX (default empty)

--limit N   at most N dead letters listed or replayed (1..1000, default 100)
--json      machine-readable output on stdout

Exit codes: 0 done, 1 something could not be done, 2 bad command line, 3 service unreachable or key refused.`;

export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UsageError';
  }
}

const OPTIONS = {
  kafka: { type: 'boolean' },
  partner: { type: 'string' },
  correlation: { type: 'string' },
  topic: { type: 'string' },
  group: { type: 'string' },
  limit: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KAFKA_ID = /^\d{1,6}:\d{1,19}$/;

/**
 * @returns {{ help: true } | { help?: false, command: 'list' | 'replay', source: 'callbacks' | 'kafka', ids: string[],
 *   filter: { partnerId?: string, correlationId?: string, topic?: string, group?: string }, all: boolean, limit: number, json: boolean }}
 */
export function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0 || positionals[0] === 'help') return { help: true };
  const [area, command, ...ids] = positionals;
  if (area !== 'dead-letters') throw new UsageError(`unknown command "${area}" (try: dead-letters list)`);
  if (command !== 'list' && command !== 'replay') throw new UsageError(`dead-letters needs "list" or "replay"${command ? `, not "${command}"` : ''}`);
  const source = values.kafka ? 'kafka' : 'callbacks';

  if (source === 'callbacks' && (values.topic !== undefined || values.group !== undefined)) {
    throw new UsageError('--topic and --group filter Kafka dead letters: add --kafka');
  }
  if (source === 'kafka' && values.partner !== undefined) {
    throw new UsageError('--partner filters dead-lettered callbacks; Kafka dead letters filter by --topic, --group or --correlation');
  }
  for (const name of ['partner', 'correlation', 'topic', 'group']) {
    if (values[name] !== undefined && values[name].trim() === '') throw new UsageError(`--${name} needs a value`);
  }

  let limit = 100;
  if (values.limit !== undefined) {
    if (!/^\d+$/.test(values.limit) || Number(values.limit) < 1 || Number(values.limit) > 1000) {
      throw new UsageError(`--limit must be a whole number from 1 to 1000, not "${values.limit}"`);
    }
    limit = Number(values.limit);
  }

  const filter = {};
  if (values.partner !== undefined) filter.partnerId = values.partner;
  if (values.correlation !== undefined) filter.correlationId = values.correlation;
  if (values.topic !== undefined) filter.topic = values.topic;
  if (values.group !== undefined) filter.group = values.group;
  const hasFilter = Object.keys(filter).length > 0;
  const all = values.all === true;

  if (command === 'list') {
    if (ids.length > 0) throw new UsageError(`dead-letters list takes no ids (got ${ids.join(' ')}); filter with options instead`);
    if (all) throw new UsageError('--all is for replay; list shows everything unless filtered');
  } else {
    if (ids.length > 0 && (hasFilter || all)) throw new UsageError('give either ids or a filter/--all, not both');
    if (ids.length === 0 && !hasFilter && !all) {
      throw new UsageError('dead-letters replay needs ids, a filter, or --all (to replay every dead letter)');
    }
    const pattern = source === 'kafka' ? KAFKA_ID : UUID;
    const bad = ids.filter((id) => !pattern.test(id));
    if (bad.length > 0) {
      const expected = source === 'kafka' ? '<partition>:<offset> (see dead-letters list --kafka)' : 'a notification id (UUID)';
      throw new UsageError(`not ${expected}: ${bad.join(', ')}`);
    }
  }
  return { help: false, command, source, ids: [...new Set(ids)], filter, all, limit, json: values.json === true };
}
