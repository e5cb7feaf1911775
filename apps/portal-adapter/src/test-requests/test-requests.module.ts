import { Module } from '@nestjs/common';
import { SyncAnswersModule } from '../sync-answers/sync-answers.module';
import { PartnerAuthGuard } from '../partners/partner-auth.guard';
import { PartnerRateLimitGuard } from '../partners/partner-rate-limit.guard';
import { AnswerTestRequest } from './answer-test-request.use-case';
import { GetTestRequestStatus } from './get-test-request-status.use-case';
import { SubmitTestRequest } from './submit-test-request.use-case';
import { TestRequestsController } from './test-requests.controller';

@Module({
  imports: [SyncAnswersModule],
  controllers: [TestRequestsController],
  providers: [SubmitTestRequest, AnswerTestRequest, GetTestRequestStatus, PartnerAuthGuard, PartnerRateLimitGuard],
})
export class TestRequestsModule {}
