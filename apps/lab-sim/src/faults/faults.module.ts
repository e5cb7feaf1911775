import { Module } from '@nestjs/common';
import { ApiFaultsInterceptor } from './api-faults.interceptor';
import { FaultsController } from './faults.controller';
import { FaultsService } from './faults.service';

@Module({
  controllers: [FaultsController],
  providers: [FaultsService, ApiFaultsInterceptor],
  exports: [FaultsService, ApiFaultsInterceptor],
})
export class FaultsModule {}
