import { BaseRpcContext, EventPattern, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import type { TOPICS, TombstoneTopicOf, TopicName, TopicRegistry } from '@labsync/contracts';
import { lastValueFrom } from 'rxjs';
import type { EventConsumer, EventHandler, EventHandlerContext, TombstoneContext, TombstoneHandler } from '../consumer/event-consumer';

/** What a `@ConsumeEvent` handler receives with `@Ctx()`: the envelope and the transaction to write in. */
export class KafkaEventContext<T extends TopicName = TopicName> extends BaseRpcContext<[EventHandlerContext<T>]> {
  get event(): EventHandlerContext<T> {
    return this.args[0];
  }
  get manager() {
    return this.args[0].manager;
  }
  get envelope() {
    return this.args[0].envelope;
  }
}

const TOMBSTONE_SUFFIX = '#tombstone';

/**
 * The handler decorators of a topic registry: TOPICS for apps (exported below); a test that declares its own
 * entity topics takes them from `topicDecorators<typeof TEST_TOPICS>()`.
 */
export function topicDecorators<R extends TopicRegistry>() {
  return {
    /** Marks a controller method as the handler of a topic (typed: only registry topics compile). */
    ConsumeEvent: (topic: keyof R & string): MethodDecorator => EventPattern(topic) as MethodDecorator,
    /**
     * Marks a controller method as the handler of tombstones (null values: "this entity is gone") on a topic
     * declared with `tombstones: true`; it receives the key as payload and a KafkaTombstoneContext.
     */
    ConsumeTombstone: (topic: TombstoneTopicOf<R>): MethodDecorator => EventPattern(`${topic}${TOMBSTONE_SUFFIX}`) as MethodDecorator,
  };
}

export const { ConsumeEvent, ConsumeTombstone } = topicDecorators<typeof TOPICS>();

/** What a `@ConsumeTombstone` handler receives with `@Ctx()`: the key and the transaction to delete in. */
export class KafkaTombstoneContext<T extends TopicName = TopicName> extends BaseRpcContext<[TombstoneContext<T>]> {
  get key(): string {
    return this.args[0].key;
  }
  get manager() {
    return this.args[0].manager;
  }
}

/**
 * A Nest custom transport: apps write `@ConsumeEvent(Topic.x)` handlers; this strategy hands them to an
 * EventConsumer, which owns batching, idempotency, retries and dead-lettering. Apps never see kafkajs.
 */
export class KafkaEventTransport extends Server implements CustomTransportStrategy {
  private consumer: EventConsumer | null = null;

  constructor(private readonly createConsumer: (handlers: Map<TopicName, EventHandler>, tombstoneHandlers: Map<TopicName, TombstoneHandler>) => EventConsumer) {
    super();
  }

  on(): void {
    // Status events are exposed through the consumer's metrics and readiness instead.
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  async listen(callback: (...args: unknown[]) => void): Promise<void> {
    const handlers = new Map<TopicName, EventHandler>();
    const tombstoneHandlers = new Map<TopicName, TombstoneHandler>();
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) continue;
      if (pattern.endsWith(TOMBSTONE_SUFFIX)) {
        tombstoneHandlers.set(pattern.slice(0, -TOMBSTONE_SUFFIX.length) as TopicName, async (key, context) => {
          const result = await handler(key, new KafkaTombstoneContext([context]));
          await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
        });
        continue;
      }
      handlers.set(pattern as TopicName, async (payload, context) => {
        const result = await handler(payload, new KafkaEventContext([context]));
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      });
    }
    if (handlers.size === 0 && tombstoneHandlers.size === 0) {
      callback();
      return;
    }
    try {
      this.consumer = this.createConsumer(handlers, tombstoneHandlers);
      await this.consumer.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }
}
