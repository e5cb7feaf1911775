import { Body, Controller, HttpCode, Inject, Param, Post, Req, UseInterceptors } from '@nestjs/common';
import type { RequestWithRawBody } from '@labsync/service-runtime';
import { CallbackFaultsInterceptor } from '../faults/callback-faults.interceptor';
import { ReceiveCallback } from './receive-callback.use-case';

/** Where labsync delivers a partner's callbacks. Injected faults apply here. */
@Controller('callbacks')
@UseInterceptors(CallbackFaultsInterceptor)
export class CallbacksController {
  constructor(@Inject(ReceiveCallback) private readonly receive: ReceiveCallback) {}

  @Post(':partnerId')
  @HttpCode(200)
  callback(@Param('partnerId') partnerId: string, @Req() req: RequestWithRawBody, @Body() body: unknown) {
    return this.receive.execute({ partnerId, headers: req.headers, rawBody: req.rawBody, body });
  }
}
