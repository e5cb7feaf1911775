import { Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';
import { Gauge } from 'prom-client';
import { CorrelationRepository } from '../correlations/correlation.repository';

/** What an operator watches: outcomes per event type, transitions, results, snapshots, time to DELIVERED. */
@Injectable()
export class TrackerMetrics {
  readonly events;
  readonly transitions;
  readonly resultsRecorded;
  readonly snapshotsPublished;
  readonly awaitingSubmission;
  readonly timeToDelivered;

  constructor(metrics: Metrics, correlations: CorrelationRepository) {
    this.events = metrics.counter(
      'labsync_correlation_events_total',
      'Lifecycle events applied by the state machine, by event and outcome (changed, bookkept, ignored)',
      ['event', 'outcome'],
    );
    this.transitions = metrics.counter('labsync_correlation_transitions_total', 'Status transitions, by the status entered', ['status']);
    this.resultsRecorded = metrics.counter('labsync_correlation_results_recorded_total', 'Results recorded, by result status', ['result_status']);
    this.snapshotsPublished = metrics.counter('labsync_correlation_snapshots_published_total', 'Snapshots written to the outbox for labsync.correlation.status.v1');
    this.awaitingSubmission = metrics.counter(
      'labsync_correlation_events_before_submission_total',
      'Events applied to a correlation whose request.submitted had not arrived yet (snapshot held back)',
    );
    this.timeToDelivered = metrics.histogram(
      'labsync_correlation_time_to_delivered_seconds',
      'From the first event of a correlation to DELIVERED',
      [],
      [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86400, 3 * 86400],
    );
    if (!metrics.registry.getSingleMetric('labsync_correlations')) {
      new Gauge({
        name: 'labsync_correlations',
        help: 'Correlations known to the tracker, by current status ("none" before any status)',
        labelNames: ['status'],
        registers: [metrics.registry],
        async collect() {
          this.reset();
          for (const row of await correlations.countByStatus().catch(() => [])) this.set({ status: row.status ?? 'none' }, row.count);
        },
      });
    }
  }
}
