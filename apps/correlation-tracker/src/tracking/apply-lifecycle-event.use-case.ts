import { Inject, Injectable } from '@nestjs/common';
import { Topic } from '@labsync/contracts';
import { OutboxWriter } from '@labsync/messaging';
import type { Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import type { EntityManager } from 'typeorm';
import { CorrelationRepository } from '../correlations/correlation.repository';
import { apply } from '../lifecycle/correlation-state-machine';
import { isPublishable, type CorrelationState, type LifecycleEvent } from '../lifecycle/correlation-state';
import { StallMetrics } from '../stalled/stall-metrics';
import { watchUpdateFor } from '../stalled/stall-watch';
import { toSnapshot } from './correlation-snapshot';
import { TrackerMetrics } from './tracker-metrics';

export interface ApplyLifecycleEventCommand {
  correlationId: string;
  event: LifecycleEvent;
  /** The Kafka event's id, kept as the causation of the snapshot it leads to. */
  causationId: string;
}

/**
 * The one use case of the consumers: lock the correlation's row in the handler's transaction, run the
 * pure state machine, save, and write the new snapshot to the outbox in the same transaction when it
 * changed (and once partner and portal request are known: the contract requires them).
 */
@Injectable()
export class ApplyLifecycleEvent {
  private readonly log: Logger;

  constructor(
    private readonly correlations: CorrelationRepository,
    private readonly outbox: OutboxWriter,
    private readonly metrics: TrackerMetrics,
    private readonly stallMetrics: StallMetrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'lifecycle' });
  }

  /** Runs in the consumer's transaction (`manager`), with the record that the event was processed. */
  async execute(manager: EntityManager, command: ApplyLifecycleEventCommand): Promise<void> {
    const { correlationId, event, causationId } = command;
    const stored = await this.correlations.lockOrCreate(manager, correlationId);
    const before = stored.state;
    this.warnAboutInconsistencies(before, event);
    const { state, changed } = apply(before, event);
    if (state === before) {
      this.metrics.events.inc({ event: event.kind, outcome: 'ignored' });
      this.log.debug({ event: event.kind, status: before.status }, 'lifecycle event changes nothing (late or duplicate)');
      return;
    }
    const now = new Date();
    await this.correlations.save(manager, state, changed ? now : null, watchUpdateFor(before, state, stored.watch?.reason ?? null));
    this.metrics.events.inc({ event: event.kind, outcome: changed ? 'changed' : 'bookkept' });
    if (!changed) return;

    if (state.status !== before.status && state.status !== null) {
      this.metrics.transitions.inc({ status: state.status });
      this.log.info({ from: before.status, to: state.status, version: state.version, event: event.kind }, 'correlation status changed');
      // Once per correlation: DELIVERED again after a correction reopened delivery is not a new request served.
      const firstDelivery = !before.timeline.some((t) => t.status === 'DELIVERED');
      if (state.status === 'DELIVERED' && firstDelivery) this.metrics.timeToDelivered.observe((now.getTime() - stored.createdAt.getTime()) / 1000);
      if (before.stall && !state.stall) {
        this.stallMetrics.resumes.inc({ reason: before.stall.reason });
        this.log.info({ reason: before.stall.reason, stalledAt: before.stall.stalledAt, to: state.status }, 'correlation left STALLED');
      }
    }
    for (const result of state.results.slice(before.results.length)) {
      this.metrics.resultsRecorded.inc({ result_status: result.resultStatus });
      this.log.info({ seq: result.seq, sampleId: result.sampleId, testCode: result.testCode, resultStatus: result.resultStatus }, 'result recorded');
    }
    if (!isPublishable(state)) {
      this.metrics.awaitingSubmission.inc();
      this.log.info({ event: event.kind, status: state.status }, 'event applied before request.submitted; snapshot held back until it arrives');
      return;
    }
    await this.outbox.add(manager, Topic.correlationStatus, toSnapshot(state, now), { correlationId, causationId });
    this.metrics.snapshotsPublished.inc();
  }

  private warnAboutInconsistencies(state: CorrelationState, event: LifecycleEvent): void {
    if (event.kind === 'request-submitted' && state.partnerId !== null && (state.partnerId !== event.partnerId || state.portalRequestId !== event.portalRequestId)) {
      this.log.warn(
        { known: { partnerId: state.partnerId, portalRequestId: state.portalRequestId }, received: { partnerId: event.partnerId, portalRequestId: event.portalRequestId } },
        'request.submitted names another partner or portal request for a known correlation; the first one is kept',
      );
    }
    if (event.kind === 'delivery-succeeded' && event.seq >= state.nextSeq) {
      this.log.warn({ seq: event.seq, nextSeq: state.nextSeq }, 'delivery acknowledged for a seq this correlation never assigned; ignored');
    }
  }
}
