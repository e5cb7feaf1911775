import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { Topic, type TopicMap } from '@labsync/contracts';
import { ConsumeEvent, KafkaEventContext, PermanentEventError } from '@labsync/messaging';
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
    // Retrying cannot reconcile an envelope and a payload that name different requests: dead-letter at once.
    if (payload.correlationId !== ctx.envelope.correlationId) {
      throw new PermanentEventError(`payload correlation id ${payload.correlationId} differs from the envelope's ${ctx.envelope.correlationId}: not dispatched under either`);
    }
    await this.enqueueLabDispatch.execute(ctx.manager, { submitted: payload, causationId: ctx.envelope.eventId });
  }
}
