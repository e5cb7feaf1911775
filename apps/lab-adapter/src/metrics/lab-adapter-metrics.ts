import { Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';
import { Gauge } from 'prom-client';
import { LabDispatchRepository } from '../lab-dispatches/lab-dispatch.repository';
import { LabInboxRepository } from '../lab-webhooks/lab-inbox.repository';

export type WebhookOutcome = 'accepted' | 'duplicate' | 'unauthorized' | 'invalid' | 'refused';

/** The lab-adapter's own Prometheus instruments (the runtime adds HTTP, outbox and consumer metrics). */
@Injectable()
export class LabAdapterMetrics {
  /** One per lab call, by what it meant: accepted, rejected, malformed, lab_error, timeout, unreachable, unexpected. */
  readonly dispatchAttempts;
  /** Lab call latency, by the same outcome. */
  readonly labCallSeconds;
  readonly dispatchesInFlight;
  /** Lab webhooks, by outcome: accepted, duplicate, unauthorized, invalid, refused. */
  readonly webhooks;
  readonly labEventsPublished;
  /** Results that did not match their order, by reason: not-ordered, after-delivery, final-repeated. */
  readonly resultsRefused;
  /** Inbox events whose lab order never became known within LAB_INBOX_EXPIRY_MS. */
  readonly inboxExpired;

  constructor(metrics: Metrics, inbox: LabInboxRepository, dispatches: LabDispatchRepository) {
    this.dispatchAttempts = metrics.counter('labsync_lab_dispatch_attempts_total', 'Calls to the lab order API, by outcome', ['outcome']);
    this.labCallSeconds = metrics.histogram(
      'labsync_lab_call_seconds',
      'Latency of calls to the lab order API, by outcome',
      ['outcome'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
    this.dispatchesInFlight = metrics.gauge('labsync_lab_dispatches_in_flight', 'Lab calls in flight in this process');
    this.webhooks = metrics.counter('labsync_lab_webhooks_total', 'Lab webhooks received, by outcome', ['outcome']);
    this.labEventsPublished = metrics.counter('labsync_lab_events_published_total', 'Lab webhooks turned into Kafka events, by event type', ['type']);

    this.resultsRefused = metrics.counter('labsync_lab_results_refused_total', 'Lab results refused because they do not match the order, by reason', ['reason']);
    this.inboxExpired = metrics.counter('labsync_lab_inbox_expired_total', 'Lab events set aside because their lab order stayed unknown for LAB_INBOX_EXPIRY_MS');
    // Counted in the database at scrape time, so every replica reports the same truth.
    countedGauge(metrics, 'labsync_lab_inbox_pending', 'Lab events stored but not yet published (their lab order is not mapped yet)', () => inbox.countPending());
    countedGauge(metrics, 'labsync_lab_dispatches_pending', 'Requests not yet accepted or rejected by the lab', () => dispatches.countPending());
  }

  webhook(outcome: WebhookOutcome): void {
    this.webhooks.inc({ outcome });
  }
}

function countedGauge(metrics: Metrics, name: string, help: string, read: () => Promise<number>): void {
  if (metrics.registry.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    registers: [metrics.registry],
    async collect() {
      // A scrape during a database outage keeps the last value rather than failing /metrics.
      const value = await read().catch(() => undefined);
      if (value !== undefined) this.set(value);
    },
  });
}
