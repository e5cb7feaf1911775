import { Injectable } from '@nestjs/common';
import { Metrics } from '@labsync/observability';
import { Gauge } from 'prom-client';
import { CorrelationRepository } from '../correlations/correlation.repository';

/** What an operator watches about stalled requests (alerts raised, resumed, currently stalled, sweeps). */
@Injectable()
export class StallMetrics {
  readonly stalls;
  readonly resumes;
  readonly sweeps;

  constructor(metrics: Metrics, correlations: CorrelationRepository) {
    this.stalls = metrics.counter('labsync_correlation_stalls_total', 'Correlations marked STALLED (one correlation.stalled alert each), by reason', ['reason']);
    this.resumes = metrics.counter(
      'labsync_correlation_stall_resumes_total',
      'Correlations that left STALLED (the lab\'s next news or a terminal status), by the reason they had stalled for',
      ['reason'],
    );
    this.sweeps = metrics.counter('labsync_correlation_stall_sweeps_total', 'Sweeps for overdue correlations by this replica, by outcome (ok, error)', ['outcome']);
    if (!metrics.registry.getSingleMetric('labsync_correlations_stalled')) {
      new Gauge({
        name: 'labsync_correlations_stalled',
        help: 'Correlations currently STALLED, by reason',
        labelNames: ['reason'],
        registers: [metrics.registry],
        async collect() {
          this.reset();
          this.set({ reason: 'lab-acceptance-overdue' }, 0);
          this.set({ reason: 'results-overdue' }, 0);
          for (const row of await correlations.countStalledByReason().catch(() => [])) this.set({ reason: row.reason }, row.count);
        },
      });
    }
  }
}
