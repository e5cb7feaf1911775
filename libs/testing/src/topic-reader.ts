import type { EventEnvelope, TopicMap } from '@labsync/contracts';
import type { Admin, Consumer, Kafka } from 'kafkajs';

/** How a run names its topics and groups (the messaging lib's TopicNaming fits; the harness must not import it: messaging's specs import the harness). */
export interface TestTopicNaming {
  physical(topic: string): string;
  group(name: string): string;
}

/** Reads one labsync topic from the beginning into memory, and knows when it has read everything published so far. */
export class TopicReader<T extends keyof TopicMap> {
  readonly records: { key: string | null; envelope: EventEnvelope<TopicMap[T]> }[] = [];
  private readonly nextOffset = new Map<number, bigint>();
  private consumer: Consumer | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly naming: TestTopicNaming,
    readonly topic: T,
    private readonly admin?: Admin,
  ) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.naming.group(`test-reader-${this.topic}`), maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.naming.physical(this.topic), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ partition, message }) => {
        this.records.push({ key: message.key?.toString() ?? null, envelope: JSON.parse(message.value!.toString()) });
        this.nextOffset.set(partition, BigInt(message.offset) + 1n);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  payloads(): TopicMap[T][] {
    return this.records.map((r) => r.envelope.payload);
  }

  /** Every record on the topic right now has been read (needs the admin client). */
  async caughtUp(): Promise<boolean> {
    if (!this.admin) throw new Error('TopicReader.caughtUp() needs an admin client');
    const offsets = await this.admin.fetchTopicOffsets(this.naming.physical(this.topic));
    return offsets.every((p) => (this.nextOffset.get(p.partition) ?? 0n) >= BigInt(p.high));
  }
}
