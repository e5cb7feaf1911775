import type { TopicMap } from '@labsync/contracts';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { deleteTestTopics } from './topic-cleanup';
import { TopicReader, type TestTopicNaming } from './topic-reader';

/**
 * What a suite needs beside the app under test: an admin, a producer for the events it plays in, and
 * readers of the topics it checks. `close()` stops them all and deletes the run's topics.
 */
export class TestKafkaClients {
  private readonly readers: TopicReader<keyof TopicMap>[] = [];

  private constructor(
    readonly kafka: Kafka,
    readonly naming: TestTopicNaming,
    readonly admin: Admin,
    readonly producer: Producer,
  ) {}

  /** `kafka` is built by the caller (the messaging lib's createKafka: this lib must not import it). */
  static async connect(kafka: Kafka, naming: TestTopicNaming): Promise<TestKafkaClients> {
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    return new TestKafkaClients(kafka, naming, admin, producer);
  }

  /** A started reader of `topic` from its beginning (one that can tell when it has caught up). */
  async reader<T extends keyof TopicMap>(topic: T): Promise<TopicReader<T>> {
    const reader = new TopicReader(this.kafka, this.naming, topic, this.admin);
    this.readers.push(reader as unknown as TopicReader<keyof TopicMap>);
    await reader.start();
    return reader;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.readers.map((r) => r.stop()));
    await this.producer.disconnect();
    await deleteTestTopics(this.admin, this.naming.physical(''));
  }
}
