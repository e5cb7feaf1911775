import { Module } from '@nestjs/common';
import { CallbackFaultsInterceptor } from './callback-faults.interceptor';
import { FaultsController } from './faults.controller';
import { FaultsService } from './faults.service';

@Module({
  controllers: [FaultsController],
  providers: [FaultsService, CallbackFaultsInterceptor],
  exports: [FaultsService, CallbackFaultsInterceptor],
})
export class FaultsModule {}
