/** One outbox row as the relay plans it: where it goes and how big it is. */
export interface PlannedRecord {
  id: string;
  topic: string;
  partition: number;
  bytes: number;
  /** Rows that failed before are sent alone, so a poisoned row cannot take its neighbours down with it. */
  suspect: boolean;
}

export interface Chunk<R extends PlannedRecord = PlannedRecord> {
  topic: string;
  partition: number;
  records: R[];
  bytes: number;
}

/**
 * Splits outbox rows (in id order) into produce chunks of ONE topic-partition each, at most `maxBatchBytes`
 * each (a record larger than the budget goes alone), keeping id order within each partition.
 *
 * One partition per produce request is what makes a failure safe with kafkajs 2.2.4: it advances the
 * idempotent sequence of every partition of a request before sending, and on any error rolls ALL of them
 * back, including partitions the broker had appended (see outbox-relay.ts). With one partition per request,
 * "the request failed" means "this partition's batch was not appended" (or, on a timeout, unknown).
 */
export function planChunks<R extends PlannedRecord>(records: readonly R[], maxBatchBytes: number): Chunk<R>[] {
  const open = new Map<string, Chunk<R>>();
  const chunks: Chunk<R>[] = [];
  for (const record of records) {
    const lane = `${record.topic}\u0000${record.partition}`;
    let chunk = open.get(lane);
    const full = chunk && (record.suspect || chunk.records.some((r) => r.suspect) || chunk.bytes + record.bytes > maxBatchBytes);
    if (!chunk || full) {
      chunk = { topic: record.topic, partition: record.partition, records: [], bytes: 0 };
      chunks.push(chunk);
      open.set(lane, chunk);
    }
    chunk.records.push(record);
    chunk.bytes += record.bytes;
  }
  return chunks;
}
