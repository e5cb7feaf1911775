import { HEADERS, Topic, TOPICS, createEnvelope, type DeadLetterPayload } from '@labsync/contracts';
import fc from 'fast-check';
import { TopicNaming } from '../kafka/kafka-client';
import { REPLAYED_FROM_HEADER, matchesDeadLetterFilter, parseDeadLetterId, parseDeadLetterRecord, replayRecordOf, type ConsumerDeadLetter } from './dead-letter-replay';

const ORIGINAL_EVENT_ID = '3f1c7c2e-8a0b-4b5e-9d7a-0c1e2f3a4b5c';

function deadLetterValue(overrides: Partial<DeadLetterPayload> = {}): Buffer {
  const payload: DeadLetterPayload = {
    originalTopic: Topic.labOrderEvents,
    originalPartition: 2,
    originalOffset: '41',
    originalKey: 'corr-1',
    originalHeaders: { [HEADERS.eventId]: ORIGINAL_EVENT_ID, [HEADERS.correlationId]: 'corr-1' },
    originalValue: '{"the":"original bytes"}',
    consumerGroup: 'correlation-tracker',
    reason: 'handler failed 4 times: boom',
    attempts: 4,
    failedAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
  const { event } = TOPICS[Topic.deadLetter];
  return Buffer.from(
    JSON.stringify(
      createEnvelope({ type: event.type, schemaVersion: event.version, correlationId: 'corr-1', causationId: ORIGINAL_EVENT_ID, sourceSystem: 'test', payload, occurredAt: new Date('2026-11-20T10:00:01Z') }),
    ),
  );
}

function entry(overrides: Partial<DeadLetterPayload> = {}, partition = 0, offset = '7'): ConsumerDeadLetter {
  const parsed = parseDeadLetterRecord(partition, offset, deadLetterValue(overrides));
  if (!parsed.ok) throw new Error(parsed.unreadable.problem);
  return parsed.entry;
}

describe('consumer dead-letter replay (pure parts)', () => {
  it('reads a dead-letter record into an entry named <partition>:<offset>', () => {
    expect(entry()).toEqual({
      id: '0:7',
      partition: 0,
      offset: '7',
      recordedAt: '2026-11-20T10:00:01.000Z',
      eventId: ORIGINAL_EVENT_ID,
      correlationId: 'corr-1',
      payload: expect.objectContaining({ originalTopic: Topic.labOrderEvents, reason: 'handler failed 4 times: boom' }),
    });
  });

  it('lists what is not a dead letter as unreadable, with the reason, instead of failing', () => {
    expect(parseDeadLetterRecord(1, '3', Buffer.from('not json'))).toEqual({
      ok: false,
      unreadable: { id: '1:3', partition: 1, offset: '3', problem: expect.stringMatching(/not JSON/) },
    });
    expect(parseDeadLetterRecord(1, '4', null)).toMatchObject({ ok: false, unreadable: { id: '1:4' } });
  });

  it('filters by id, original topic, consumer group and correlation id, all criteria together', () => {
    const e = entry();
    expect(matchesDeadLetterFilter(e, {})).toBe(true);
    expect(matchesDeadLetterFilter(e, { ids: ['0:7'] })).toBe(true);
    expect(matchesDeadLetterFilter(e, { ids: ['0:8'] })).toBe(false);
    expect(matchesDeadLetterFilter(e, { originalTopic: Topic.labOrderEvents, consumerGroup: 'correlation-tracker', correlationId: 'corr-1' })).toBe(true);
    expect(matchesDeadLetterFilter(e, { originalTopic: Topic.requestSubmitted })).toBe(false);
    expect(matchesDeadLetterFilter(e, { originalTopic: Topic.labOrderEvents, consumerGroup: 'lab-adapter' })).toBe(false);
    expect(matchesDeadLetterFilter(e, { correlationId: 'corr-2' })).toBe(false);
  });

  it('parses <partition>:<offset> ids and refuses anything else', () => {
    expect(parseDeadLetterId('2:0041')).toEqual({ partition: 2, offset: '41' });
    expect(parseDeadLetterId(' 0:7 ')).toEqual({ partition: 0, offset: '7' });
    for (const bad of ['', '7', '0:', ':7', '-1:7', '0:7:1', 'a:b', '0:1.5']) expect(parseDeadLetterId(bad)).toBeNull();
    fc.assert(
      fc.property(fc.nat(999_999), fc.bigInt({ min: 0n, max: 2n ** 62n }), (partition, offset) => {
        expect(parseDeadLetterId(`${partition}:${offset}`)).toEqual({ partition, offset: offset.toString() });
      }),
    );
  });

  it('republishes the original key, value and headers to the original topic (with the prefix), marked as a replay', () => {
    const naming = new TopicNaming('t.prefix.');
    expect(replayRecordOf(entry(), naming)).toEqual({
      topic: 't.prefix.labsync.lab.order-events.v1',
      message: {
        key: 'corr-1',
        value: '{"the":"original bytes"}',
        headers: { [HEADERS.eventId]: ORIGINAL_EVENT_ID, [HEADERS.correlationId]: 'corr-1', [REPLAYED_FROM_HEADER]: 't.prefix.labsync.deadletter.v1/0:7' },
      },
    });
    expect(replayRecordOf(entry({ originalKey: null }), naming).message.key).toBeNull();
  });

  it('never replays to a topic that is not a labsync topic, nor to the dead-letter topic itself', () => {
    const naming = new TopicNaming('');
    expect(() => replayRecordOf(entry({ originalTopic: 'someone.elses.topic' }), naming)).toThrow(/not a topic labsync replays to/);
    expect(() => replayRecordOf(entry({ originalTopic: Topic.deadLetter }), naming)).toThrow(/not a topic labsync replays to/);
  });
});
