import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Topic, type TopicMap } from '@labsync/contracts';
import { ConsumeEvent, KafkaEventContext } from '@labsync/messaging';
import { EnqueueLabDispatch } from './enqueue-lab-dispatch.use-case';

/** requests.submitted -> a dispatch for the lab (the payload was validated against its contract by the consumer). */
@Controller()
export class RequestSubmittedConsumer {
  constructor(private readonly enqueueLabDispatch: EnqueueLabDispatch) {}

  @ConsumeEvent(Topic.requestSubmitted)
  async onRequestSubmitted(
    @Payload() payload: TopicMap[typeof Topic.requestSubmitted],
    @Ctx() ctx: KafkaEventContext<typeof Topic.requestSubmitted>,
  ): Promise<void> {
    await this.enqueueLabDispatch.execute(ctx.manager, payload, ctx.envelope.eventId);
  }
}
