import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Topic, type TopicMap, type TopicName } from '@labsync/contracts';
import { ConsumeEvent, KafkaEventContext } from '@labsync/messaging';
import { ApplyLifecycleEvent } from './apply-lifecycle-event.use-case';
import {
  fromDeliverySucceeded,
  fromLabOrderEvent,
  fromRequestSubmitted,
} from './lifecycle-event-mapper';

/**
 * `ConsumeEvent` inherits the typing of Nest's EventPattern, which types every handler parameter after the
 * payload as `unknown` and so rejects a typed `@Ctx()` (TS1241); as a plain method decorator it registers
 * the same handler.
 */
const OnEvent = (topic: TopicName): MethodDecorator => ConsumeEvent(topic) as MethodDecorator;

/**
 * Every lifecycle topic the tracker follows. Payloads arrive validated against the contract (invalid ones
 * are dead-lettered before reaching here); each handler maps and applies in the consumer's transaction.
 */
@Controller()
export class LifecycleEventsConsumer {
  constructor(private readonly applyEvent: ApplyLifecycleEvent) {}

  @OnEvent(Topic.requestSubmitted)
  onRequestSubmitted(@Payload() payload: TopicMap[typeof Topic.requestSubmitted], @Ctx() ctx: KafkaEventContext) {
    return this.applyEvent.execute(ctx.manager, { correlationId: payload.correlationId, event: fromRequestSubmitted(payload), causationId: ctx.envelope.eventId });
  }

  @OnEvent(Topic.labOrderEvents)
  onLabOrderEvent(@Payload() payload: TopicMap[typeof Topic.labOrderEvents], @Ctx() ctx: KafkaEventContext) {
    return this.applyEvent.execute(ctx.manager, { correlationId: payload.correlationId, event: fromLabOrderEvent(payload), causationId: ctx.envelope.eventId });
  }

  @OnEvent(Topic.portalDeliverySucceeded)
  onDeliverySucceeded(@Payload() payload: TopicMap[typeof Topic.portalDeliverySucceeded], @Ctx() ctx: KafkaEventContext) {
    return this.applyEvent.execute(ctx.manager, { correlationId: payload.correlationId, event: fromDeliverySucceeded(payload), causationId: ctx.envelope.eventId });
  }
}
