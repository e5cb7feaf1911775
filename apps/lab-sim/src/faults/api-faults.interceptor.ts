import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Metrics } from '@labsync/observability';
import { ProblemException } from '@labsync/service-runtime';
import { mergeMap, throwError, timer, type Observable } from 'rxjs';
import { decideApiFault } from './lab-faults';
import { FaultsService } from './faults.service';

/** Applies the injected faults to the lab's API (`/api/*` controllers) before the handler runs. */
@Injectable()
export class ApiFaultsInterceptor implements NestInterceptor {
  private readonly injected;

  constructor(
    @Inject(FaultsService) private readonly faults: FaultsService,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.injected = metrics.counter('lab_sim_api_faults_injected_total', 'lab API requests answered 503 by an injected fault', ['fault']);
  }

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const decision = decideApiFault(this.faults.current());
    const proceed = () => {
      if (!decision.fail) return next.handle();
      this.injected.inc({ fault: decision.fail });
      const detail = decision.fail === 'down' ? 'The lab system is down (injected outage).' : 'The lab system failed to answer (injected error).';
      return throwError(() => new ProblemException(503, 'Service Unavailable', detail));
    };
    return decision.delayMs > 0 ? timer(decision.delayMs).pipe(mergeMap(proceed)) : proceed();
  }
}
