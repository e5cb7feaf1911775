import { Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';

/** Prometheus instruments of the lab poller (LAB_EVENTS_MODE=polling). */
@Injectable()
export class LabPollMetrics {
  /** Reads of the lab's change feed, by outcome: ok, held (a change failed validation), lab_error, refused, timeout, unreachable, malformed, store_error. */
  readonly polls;
  /** Changes read, by what storing them did: published, pending (lab order not mapped yet), duplicate (already had it, e.g. by webhook). */
  readonly changes;
  /** From the lab's occurredAt of a change to its storing in the inbox by the poller. */
  readonly lagSeconds;
  readonly pollSeconds;
  /** 1 on the replica that polls (one per deployment, elected by a Postgres advisory lock). */
  readonly leader;
  /** Unix time of the last successful poll: alert on `time() - labsync_lab_poll_last_success_timestamp_seconds`. */
  readonly lastSuccess;

  constructor(metrics: Metrics) {
    this.polls = metrics.counter('labsync_lab_polls_total', 'Reads of the lab change feed, by outcome', ['outcome']);
    this.changes = metrics.counter('labsync_lab_poll_changes_total', 'Lab changes read by polling, by what storing them did', ['outcome']);
    this.lagSeconds = metrics.histogram('labsync_lab_poll_lag_seconds', 'From a lab change (occurredAt) to its storing by the poller', [], [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300]);
    this.pollSeconds = metrics.histogram('labsync_lab_poll_seconds', 'Duration of one poll (lab call and storing the page)', ['outcome'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    this.leader = metrics.gauge('labsync_lab_poll_leader', '1 on the replica that polls the lab');
    this.lastSuccess = metrics.gauge('labsync_lab_poll_last_success_timestamp_seconds', 'Unix time of the last successful poll of the lab');
  }
}
