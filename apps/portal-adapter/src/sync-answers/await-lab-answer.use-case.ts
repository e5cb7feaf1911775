import { Inject, Injectable } from '@nestjs/common';
import { runWithLogContext, type Logger } from '@labsync/observability';
import { LOGGER } from '@labsync/service-runtime';
import type { WaitOutcome } from './lab-answer-waiters';
import { LabAnswerWatcher } from './lab-answer-watcher';
import { SyncAnswerMetrics, syncWaitOutcomeOf } from './sync-answer.metrics';

export interface AwaitLabAnswerCommand {
  partnerId: string;
  correlationId: string;
  /** When the HTTP request arrived (performance.now()): N seconds count from there, storing included. */
  receivedAtMs: number;
  waitSeconds: number;
  /** Aborted when the partner closes the connection. */
  signal?: AbortSignal;
}

/**
 * Waits, for a request already stored, until the lab accepted or rejected it or N seconds (counted from
 * the request's arrival) ran out. It only waits: the request is on its way whatever happens here.
 */
@Injectable()
export class AwaitLabAnswer {
  constructor(
    private readonly watcher: LabAnswerWatcher,
    private readonly metrics: SyncAnswerMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(command: AwaitLabAnswerCommand): Promise<WaitOutcome> {
    const remainingMs = command.receivedAtMs + command.waitSeconds * 1000 - performance.now();
    const outcome = await this.watcher.wait(command.correlationId, remainingMs, command.signal);
    const seconds = (performance.now() - command.receivedAtMs) / 1000;
    this.metrics.waited(command.partnerId, outcome, seconds);
    const foundBy = outcome.kind === 'answered' ? outcome.foundBy : undefined;
    runWithLogContext({ correlationId: command.correlationId, partnerId: command.partnerId }, () =>
      this.logger.info({ waitSeconds: command.waitSeconds, outcome: syncWaitOutcomeOf(outcome), foundBy, waitedMs: Math.round(seconds * 1000) }, 'synchronous wait ended'),
    );
    return outcome;
  }
}
