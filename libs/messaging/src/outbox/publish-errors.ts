/**
 * How the relay reacts to a failed produce. Three kinds:
 * - `record`: the broker refused the records themselves (too large, invalid): permanent, park at once when
 *   the chunk holds one record.
 * - `transient`: the broker or the network was away (connection, timeout, leader moving): not the row's
 *   fault, so it does not count towards the row's attempts.
 * - `producer`: anything else, sequence errors included: counts as an attempt of the rows sent.
 * Whatever the kind, the relay recreates its producer before the next send (see outbox-relay.ts).
 */
export type PublishFailureKind = 'record' | 'transient' | 'producer';

const RECORD_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);
const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSLockTimeout',
]);
const SEQUENCE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'DUPLICATE_SEQUENCE_NUMBER', 'INVALID_PRODUCER_EPOCH', 'UNKNOWN_PRODUCER_ID']);

interface KafkaishError {
  name?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
  originalError?: unknown;
}

/** The innermost error of a kafkajs chain (KafkaJSNumberOfRetriesExceeded wraps the last attempt's error). */
function chain(error: unknown): KafkaishError[] {
  const out: KafkaishError[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && out.length < 8) {
    const e = current as KafkaishError;
    out.push(e);
    current = e.cause ?? e.originalError;
    if (current === e) break;
  }
  return out;
}

export function classifyPublishFailure(error: unknown): PublishFailureKind {
  const errors = chain(error);
  if (errors.some((e) => e.type && RECORD_ERRORS.has(e.type))) return 'record';
  if (errors.some((e) => e.type && SEQUENCE_ERRORS.has(e.type))) return 'producer';
  if (errors.some((e) => (e.name && TRANSIENT_NAMES.has(e.name)) || (e.name === 'KafkaJSProtocolError' && e.retriable))) return 'transient';
  return 'producer';
}

/** A short, data-free reason for logs and the parked table (never the record's content). */
export function failureReason(error: unknown): string {
  const errors = chain(error);
  const typed = errors.find((e) => e.type);
  const last = errors[errors.length - 1] as { message?: string } | undefined;
  const message = (last?.message ?? String(error)).slice(0, 300);
  return typed?.type ? `${typed.type}: ${message}` : message;
}
