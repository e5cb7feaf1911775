import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Topic, type TopicMap } from '@labsync/contracts';
import { ConsumeEvent, KafkaEventContext } from '@labsync/messaging';
import { ApplyCorrelationSnapshot } from './apply-correlation-snapshot.use-case';

/**
 * `ConsumeEvent` is typed after Nest's EventPattern overload whose extra handler parameters are `unknown`,
 * which rejects a typed `@Ctx()` parameter; seen as a plain method decorator it registers the same handler.
 */
const consumeEvent = (topic: Parameters<typeof ConsumeEvent>[0]) => ConsumeEvent(topic) as MethodDecorator;

/** Correlation snapshots from the correlation-tracker (validated by the consumer before they get here). */
@Controller()
export class CorrelationStatusConsumer {
  constructor(private readonly applySnapshot: ApplyCorrelationSnapshot) {}

  @consumeEvent(Topic.correlationStatus)
  async onSnapshot(@Payload() snapshot: TopicMap[typeof Topic.correlationStatus], @Ctx() context: KafkaEventContext): Promise<void> {
    await this.applySnapshot.execute({ snapshot, manager: context.manager });
  }
}
