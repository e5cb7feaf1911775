/**
 * Byte sizes of Kafka records, as the broker counts them against `max.message.bytes` (a topic setting: the
 * largest record batch the broker appends to a partition; broker-wide `message.max.bytes`, 1048588 by default).
 *
 * The count is conservative: UTF-8 bytes of key, value, header keys and values, plus a fixed allowance for
 * the record's varints and the batch header. kafkajs sends uncompressed here, so this bounds the wire size.
 */

/** What labsync sets as `max.message.bytes` on every topic it creates (1 MiB), unless configured otherwise. */
export const DEFAULT_TOPIC_MAX_MESSAGE_BYTES = 1_048_576;
/** Default byte budget of one produce batch of the relay: well below the topic limit. */
export const DEFAULT_OUTBOX_MAX_BATCH_BYTES = 512 * 1024;

/** Record batch header (61 bytes in v2) plus slack for varint growth and jsonb re-serialisation. */
export const BATCH_OVERHEAD_BYTES = 1024;
const RECORD_OVERHEAD_BYTES = 32;
const HEADER_OVERHEAD_BYTES = 8;

export function recordBytes(key: string, value: string, headers: Record<string, string>): number {
  let bytes = RECORD_OVERHEAD_BYTES + Buffer.byteLength(key) + Buffer.byteLength(value);
  for (const [name, header] of Object.entries(headers)) bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + Buffer.byteLength(header);
  return bytes;
}

/** The largest record that fits, alone, in one batch of a topic with the given `max.message.bytes`. */
export function maxRecordBytesFor(topicMaxMessageBytes: number): number {
  return topicMaxMessageBytes - BATCH_OVERHEAD_BYTES;
}
