import { planChunks, type PlannedRecord } from './outbox-chunks';
import { classifyPublishFailure } from './publish-errors';
import { DEFAULT_OUTBOX_MAX_BATCH_BYTES, DEFAULT_TOPIC_MAX_MESSAGE_BYTES, maxRecordBytesFor, recordBytes } from './record-size';

const rec = (id: number, bytes: number, partition = 0, topic = 't', suspect = false): PlannedRecord => ({ id: String(id), topic, partition, bytes, suspect });

describe('planChunks (byte-sized produce requests)', () => {
  it('never lets a chunk exceed the byte budget, whatever the row count', () => {
    // The audit's reproduction: 10 events of ~249 kB; by rows (500) they were one 2.5 MB request.
    const records = Array.from({ length: 10 }, (_, i) => rec(i, 249_000));
    const chunks = planChunks(records, 512 * 1024);
    expect(chunks.map((c) => c.records.length)).toEqual([2, 2, 2, 2, 2]);
    for (const chunk of chunks) expect(chunk.bytes).toBeLessThanOrEqual(512 * 1024);
  });

  it('puts a record larger than the budget in a chunk of its own', () => {
    const chunks = planChunks([rec(1, 100), rec(2, 900_000), rec(3, 100)], 512 * 1024);
    expect(chunks.map((c) => c.records.map((r) => r.id))).toEqual([['1'], ['2'], ['3']]);
  });

  it('keeps one topic-partition per chunk and id order within each partition', () => {
    const records = [rec(1, 10, 0), rec(2, 10, 1), rec(3, 10, 0), rec(4, 10, 1, 'u'), rec(5, 10, 1)];
    const chunks = planChunks(records, 1000);
    expect(chunks.map((c) => [c.topic, c.partition, c.records.map((r) => r.id)])).toEqual([
      ['t', 0, ['1', '3']],
      ['t', 1, ['2', '5']],
      ['u', 1, ['4']],
    ]);
  });

  it('sends rows that failed before alone, so a poisoned row cannot sink its neighbours again', () => {
    const chunks = planChunks([rec(1, 10), rec(2, 10, 0, 't', true), rec(3, 10)], 1000);
    expect(chunks.map((c) => c.records.map((r) => r.id))).toEqual([['1'], ['2'], ['3']]);
  });

  it('packs many small events into few requests', () => {
    const records = Array.from({ length: 500 }, (_, i) => rec(i, 1_000, i % 6));
    const chunks = planChunks(records, DEFAULT_OUTBOX_MAX_BATCH_BYTES);
    expect(chunks).toHaveLength(6);
    expect(chunks.reduce((n, c) => n + c.records.length, 0)).toBe(500);
  });
});

describe('record sizes', () => {
  it('counts UTF-8 bytes of key, value and headers', () => {
    expect(recordBytes('k', 'é', { h: 'v' })).toBe(32 + 1 + 2 + 8 + 1 + 1);
  });

  it('keeps the default batch budget below what one record may be on a default topic', () => {
    expect(DEFAULT_OUTBOX_MAX_BATCH_BYTES).toBeLessThan(maxRecordBytesFor(DEFAULT_TOPIC_MAX_MESSAGE_BYTES));
    // The broker's own default message.max.bytes is 1048588; the topics are set to 1 MiB explicitly.
    expect(DEFAULT_TOPIC_MAX_MESSAGE_BYTES).toBeLessThanOrEqual(1_048_588);
  });
});

describe('classifyPublishFailure', () => {
  const protocol = (type: string, retriable = false) => Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable });

  it('treats a record the broker refuses as permanent', () => {
    expect(classifyPublishFailure(protocol('MESSAGE_TOO_LARGE'))).toBe('record');
  });

  it('does not blame the rows for the broker being away, even behind retries', () => {
    const down = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' });
    const exhausted = Object.assign(new Error('retries exhausted'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: down });
    expect(classifyPublishFailure(exhausted)).toBe('transient');
    expect(classifyPublishFailure(protocol('NOT_LEADER_OR_FOLLOWER', true))).toBe('transient');
  });

  it('counts sequence errors against the rows sent (they recur until the producer is recreated)', () => {
    expect(classifyPublishFailure(protocol('OUT_OF_ORDER_SEQUENCE_NUMBER'))).toBe('producer');
    expect(classifyPublishFailure(new Error('something else'))).toBe('producer');
  });
});
