import type { Producer } from 'kafkajs';
import { DeadLetterPublisher } from '../src/consumer/dead-letter-publisher';
import { EventConsumer, type EventConsumerOptions } from '../src/consumer/event-consumer';

/** What the consumers of one messaging spec share: the broker, schema, logger and metrics, and the producer of their dead letters. */
export type ConsumerSuite = Pick<EventConsumerOptions, 'kafka' | 'naming' | 'dataSource' | 'schema' | 'logger' | 'metrics'> & { producer: Producer };

/** An EventConsumer (not started) whose dead letters go out under its own group name; `options` has its handlers and policies. */
export function eventConsumerUnderTest(suite: ConsumerSuite, groupId: string, options: Pick<EventConsumerOptions, 'handlers'> & Partial<EventConsumerOptions>): EventConsumer {
  const { producer, ...shared } = suite;
  const metrics = options.metrics ?? shared.metrics;
  return new EventConsumer({ ...shared, groupId, deadLetters: new DeadLetterPublisher(producer, shared.naming, groupId, shared.logger, metrics), ...options });
}
