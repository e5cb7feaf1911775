import { Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';
import type { WaitOutcome } from './lab-answer-waiters';

/** accepted | rejected | settled (cancelled or failed: 202) | timeout | abandoned (partner hung up) | shutdown. */
export type SyncWaitOutcome = 'accepted' | 'rejected' | 'settled' | 'timeout' | 'abandoned' | 'shutdown';

export function syncWaitOutcomeOf(outcome: WaitOutcome): SyncWaitOutcome {
  return outcome.kind === 'answered' ? outcome.answer.kind : outcome.kind;
}

/** Instruments of the synchronous answer (`Prefer: wait=N`). */
@Injectable()
export class SyncAnswerMetrics {
  readonly waits;
  readonly waitSeconds;
  readonly waiting;
  readonly clamped;
  readonly refused;
  readonly answersFound;

  constructor(metrics: Metrics) {
    this.waits = metrics.counter('labsync_sync_waits_total', 'Requests that asked Prefer: wait=N, by how the wait ended', ['partner', 'outcome']);
    this.waitSeconds = metrics.histogram(
      'labsync_sync_wait_seconds',
      'Time from receiving a Prefer: wait request to answering it (storing included), by how the wait ended',
      ['outcome'],
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
    );
    this.waiting = metrics.gauge('labsync_sync_waiters', 'Requests of this replica waiting for the lab\'s answer right now');
    this.answersFound = metrics.counter(
      'labsync_sync_answers_found_total',
      'Lab answers handed to waiting requests, by what made this replica look: notification (NOTIFY), poll (fallback poll or listener reconnect), registration (answered before the wait began)',
      ['found_by'],
    );
    this.refused = metrics.counter('labsync_sync_waits_refused_total', 'Prefer: wait requests answered 202 at once: PARTNER_MAX_WAITS or MAX_WAITS waits already open on this replica', ['partner']);
    this.clamped = metrics.counter('labsync_sync_wait_clamped_total', 'Prefer: wait=N requests whose N exceeded SYNC_WAIT_MAX_SECONDS', ['partner']);
  }

  waited(partner: string, outcome: WaitOutcome, seconds: number): void {
    const label = syncWaitOutcomeOf(outcome);
    this.waits.inc({ partner, outcome: label });
    this.waitSeconds.observe({ outcome: label }, seconds);
    if (outcome.kind === 'answered') this.answersFound.inc({ found_by: outcome.foundBy });
  }
}
