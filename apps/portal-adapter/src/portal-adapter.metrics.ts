import { Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';

export type SubmissionOutcome = 'accepted' | 'replayed' | 'conflict' | 'invalid';
export type CallbackOutcome = 'delivered' | 'rejected' | 'network_error' | 'timeout' | 'unknown_partner';

/** The app's own Prometheus instruments (the runtime adds HTTP, consumer and outbox metrics). */
@Injectable()
export class PortalAdapterMetrics {
  readonly submissions;
  readonly snapshots;
  readonly callbacksEnqueued;
  readonly callbackAttempts;
  readonly callbackSeconds;
  readonly deliveryLagSeconds;
  readonly callbacksDeadLettered;
  readonly callbackReplays;
  readonly unconfirmedDetected;
  readonly rateLimitedRequests;

  constructor(readonly metrics: Metrics) {
    this.submissions = metrics.counter('labsync_partner_requests_total', 'Test requests partners submitted, by outcome', ['partner', 'outcome']);
    this.snapshots = metrics.counter('labsync_correlation_snapshots_total', 'Correlation snapshots consumed: applied to the read model, or stale (older than the one kept)', ['outcome']);
    this.callbacksEnqueued = metrics.counter('labsync_callbacks_enqueued_total', 'Notifications queued for delivery to a partner portal', ['partner']);
    this.callbackAttempts = metrics.counter('labsync_callback_attempts_total', 'Callback POSTs to partner portals, by outcome', ['partner', 'outcome']);
    this.callbackSeconds = metrics.histogram('labsync_callback_request_seconds', 'Duration of one callback POST to a partner portal', ['partner'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    this.deliveryLagSeconds = metrics.histogram('labsync_callback_delivery_lag_seconds', 'Time from enqueueing a notification to the portal acknowledging it', ['partner'], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]);
    this.callbacksDeadLettered = metrics.counter('labsync_callbacks_dead_lettered_total', 'Callbacks given up on after CALLBACK_MAX_ATTEMPTS failed attempts (state DEAD)', ['partner']);
    this.rateLimitedRequests = metrics.counter('labsync_partner_rate_limited_total', 'Partner requests refused 429 over PARTNER_RATE_LIMIT (this replica)', ['partner']);
    this.callbackReplays = metrics.counter('labsync_callback_replays_total', 'Dead-lettered callbacks an operator put back in the delivery queue', ['partner']);
    this.unconfirmedDetected = metrics.counter('labsync_requests_unconfirmed_detected_total', 'Accepted requests found not to have reached the tracker within UNCONFIRMED_REQUEST_AFTER_MS');
  }

  submission(partner: string, outcome: SubmissionOutcome): void {
    this.submissions.inc({ partner, outcome });
  }

  rateLimited(partner: string): void {
    this.rateLimitedRequests.inc({ partner });
  }
}
