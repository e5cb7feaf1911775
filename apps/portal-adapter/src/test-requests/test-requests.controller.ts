import { Body, Controller, Get, Headers, Param, Post, Res, UseGuards } from '@nestjs/common';
import type { Partner } from '@labsync/configuration';
import { BodyLimit, ProblemException, ValidationProblem } from '@labsync/service-runtime';
import type { Response } from 'express';
import { AuthenticatedPartner } from '../partners/authenticated-partner.decorator';
import { PartnerAuthGuard } from '../partners/partner-auth.guard';
import { PartnerRateLimitGuard } from '../partners/partner-rate-limit.guard';
import { PortalAdapterMetrics } from '../portal-adapter.metrics';
import { AnswerTestRequest } from './answer-test-request.use-case';
import { GetTestRequestStatus } from './get-test-request-status.use-case';
import { parseIdempotencyKey, requestHash } from './idempotency';
import { parsePreferHeader } from './prefer-header';
import { SubmitTestRequest } from './submit-test-request.use-case';
import type { TestRequestAnswer } from './test-request-answers';
import type { TestRequestStatusResponse } from './test-request-status';
import { parseTestRequestBody } from './test-request.dto';
import { toCanonicalTestRequest } from './test-request.mapping';

const MAX_CAUSATION_ID_LENGTH = 128;

/** The partner API: submit a test request, read its status. Only the partner's own requests are visible. */
@Controller('v1/test-requests')
// Authenticated, then rate-limited, both before the body is read (see JsonBodyInterceptor).
@UseGuards(PartnerAuthGuard, PartnerRateLimitGuard)
export class TestRequestsController {
  constructor(
    private readonly submit: SubmitTestRequest,
    private readonly answer: AnswerTestRequest,
    private readonly getStatus: GetTestRequestStatus,
    private readonly metrics: PortalAdapterMetrics,
  ) {}

  /**
   * Stores the request (with its outbox event) first, exactly as for the asynchronous answer; with
   * `Prefer: wait=N` it then only waits for the lab's answer (201, 422), or answers 202 when N ran out.
   * The status depends on the outcome, so the response is written here rather than by Nest.
   */
  @Post()
  @BodyLimit('TEST_REQUEST_BODY_LIMIT')
  async create(
    @AuthenticatedPartner() partner: Partner,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKeyHeader: string | undefined,
    @Headers('prefer') preferHeader: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const receivedAtMs = performance.now();
    const idempotencyKey = parseIdempotencyKey(idempotencyKeyHeader);
    const prefer = parsePreferHeader(preferHeader);
    if (!idempotencyKey.ok) throw this.invalidHeader(partner, 'Idempotency-Key', idempotencyKey.message);
    if (!prefer.ok) throw this.invalidHeader(partner, 'Prefer', prefer.message);
    const dto = parseTestRequestBody(body);
    if (!dto.ok) {
      this.metrics.submission(partner.id, 'invalid');
      throw new ValidationProblem(dto.errors);
    }

    const requestId = response.getHeader('X-Request-Id');
    const { correlationId } = await this.submit.execute({
      partnerId: partner.id,
      request: toCanonicalTestRequest(dto.body),
      requestHash: requestHash(body),
      idempotencyKey: idempotencyKey.key,
      causationId: typeof requestId === 'string' && requestId.length <= MAX_CAUSATION_ID_LENGTH ? requestId : null,
    });

    // The partner may hang up while waiting; its waiter is then dropped at once.
    const hungUp = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) hungUp.abort();
    });
    send(response, await this.answer.execute({ partnerId: partner.id, correlationId, receivedAtMs, preference: prefer.preference, hungUp: hungUp.signal }));
  }

  private invalidHeader(partner: Partner, header: string, message: string): ProblemException {
    this.metrics.submission(partner.id, 'invalid');
    return new ProblemException(400, 'Invalid request header', `${header}: ${message}`, { header });
  }

  @Get(':correlationId')
  async status(@AuthenticatedPartner() partner: Partner, @Param('correlationId') correlationId: string): Promise<TestRequestStatusResponse> {
    return this.getStatus.execute({ partnerId: partner.id, correlationId });
  }
}

function send(response: Response, answer: TestRequestAnswer): void {
  if (response.writableEnded || response.destroyed) return;
  response.status(answer.status).set(answer.headers).type(answer.contentType).send(JSON.stringify(answer.body));
}
