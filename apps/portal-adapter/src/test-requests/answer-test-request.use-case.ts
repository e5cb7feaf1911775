import { Inject, Injectable } from '@nestjs/common';
import { PORTAL_ADAPTER_CONFIG, type PortalAdapterConfig } from '../config/portal-adapter-config';
import { AwaitLabAnswer } from '../sync-answers/await-lab-answer.use-case';
import { SyncAnswerMetrics } from '../sync-answers/sync-answer.metrics';
import { SyncWaitSlots } from '../sync-answers/sync-wait-slots';
import type { ResponsePreference } from './prefer-header';
import { acceptedAnswer, applyPreference, labAnswered, type TestRequestAnswer } from './test-request-answers';

export interface AnswerTestRequestCommand {
  partnerId: string;
  /** Of the request just stored. */
  correlationId: string;
  /** When the HTTP request arrived (performance.now()): N seconds count from there, storing included. */
  receivedAtMs: number;
  /** What the partner's Prefer header asked for. */
  preference: ResponsePreference;
  /** Aborted when the partner hangs up: its wait then ends at once. */
  hungUp: AbortSignal;
}

/**
 * The answer to a stored test request: the asynchronous 202 at once or, with `Prefer: wait=N`, the lab's
 * answer (201, 422) if it comes within N seconds, else the 202. Never an error: the request is stored.
 */
@Injectable()
export class AnswerTestRequest {
  constructor(
    private readonly awaitLabAnswer: AwaitLabAnswer,
    private readonly waitSlots: SyncWaitSlots,
    private readonly syncMetrics: SyncAnswerMetrics,
    @Inject(PORTAL_ADAPTER_CONFIG) private readonly config: PortalAdapterConfig,
  ) {}

  async execute(command: AnswerTestRequestCommand): Promise<TestRequestAnswer> {
    const { partnerId, correlationId } = command;
    const baseUrl = this.config.publicBaseUrl;
    const preference = applyPreference(command.preference, this.config.syncWaitMaxSeconds);
    if (preference.clamped) this.syncMetrics.clamped.inc({ partner: partnerId });
    if (preference.waitSeconds === null) return acceptedAnswer(correlationId, baseUrl, preference);
    const releaseSlot = this.waitSlots.tryAcquire(partnerId);
    if (!releaseSlot) {
      // Too many open waits (this partner's or this replica's): the stored request gets its 202 now, and
      // Preference-Applied does not claim a wait that did not happen.
      this.syncMetrics.refused.inc({ partner: partnerId });
      return acceptedAnswer(correlationId, baseUrl, { ...preference, waitSeconds: null });
    }
    try {
      const outcome = await this.awaitLabAnswer.execute({
        partnerId,
        correlationId,
        receivedAtMs: command.receivedAtMs,
        waitSeconds: preference.waitSeconds,
        signal: command.hungUp,
      });
      return outcome.kind === 'answered' && outcome.answer.kind !== 'settled'
        ? labAnswered(correlationId, outcome.answer, baseUrl, preference)
        : acceptedAnswer(correlationId, baseUrl, preference);
    } finally {
      releaseSlot();
    }
  }
}
