import 'reflect-metadata';
import { Topic, type TopicName } from '@labsync/contracts';
import type { EntityManager } from 'typeorm';
import type { EventConsumer, EventHandler, TombstoneHandler } from '../consumer/event-consumer';
import { ConsumeEvent, ConsumeTombstone, KafkaEventTransport, KafkaTombstoneContext } from './kafka-event-transport';

class SnapshotCopies {
  deletedKeys: string[] = [];
  @ConsumeEvent(Topic.correlationStatus)
  async onSnapshot() {}
  @ConsumeTombstone(Topic.correlationStatus)
  async onDeleted(_key: string, ctx: KafkaTombstoneContext) {
    this.deletedKeys.push(ctx.key);
  }
}

/** Registers a controller's decorated methods the way Nest's listener explorer does (pattern metadata). */
function register(transport: KafkaEventTransport, controller: object) {
  const proto = Object.getPrototypeOf(controller) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = proto[name];
    if (typeof method !== 'function' || name === 'constructor') continue;
    const [pattern] = (Reflect.getMetadata('microservices:pattern', method) as string[] | undefined) ?? [];
    if (pattern) transport.addHandler(pattern, async (...args: unknown[]) => (method as (...a: unknown[]) => unknown).apply(controller, args), true);
  }
}

describe('KafkaEventTransport', () => {
  it('hands @ConsumeTombstone handlers to the consumer apart from event handlers, with the key in their context', async () => {
    let given: { handlers: Map<TopicName, EventHandler>; tombstones: Map<TopicName, TombstoneHandler> } | undefined;
    const transport = new KafkaEventTransport((handlers, tombstones) => {
      given = { handlers, tombstones };
      return { start: async () => undefined, stop: async () => undefined } as unknown as EventConsumer;
    });
    const controller = new SnapshotCopies();
    register(transport, controller);
    await new Promise<void>((resolve, reject) => void transport.listen((error?: unknown) => (error ? reject(error) : resolve())));
    expect([...given!.handlers.keys()]).toEqual([Topic.correlationStatus]);
    expect([...given!.tombstones.keys()]).toEqual([Topic.correlationStatus]);
    const context = { key: 'c-gone', manager: {} as EntityManager, topic: Topic.correlationStatus, partition: 0, offset: '7' };
    await given!.tombstones.get(Topic.correlationStatus)!('c-gone', context);
    expect(controller.deletedKeys).toEqual(['c-gone']);
  });
});
