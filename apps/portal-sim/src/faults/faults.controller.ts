import { Body, Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { parseOrProblem } from '@labsync/service-runtime';
import { PortalFaultsPatchSchema, type PortalFaults } from './portal-faults';
import { FaultsService } from './faults.service';

@Controller('sim/faults')
export class FaultsController {
  constructor(@Inject(FaultsService) private readonly faults: FaultsService) {}

  @Get()
  current(): PortalFaults {
    return this.faults.current();
  }

  @Post()
  @HttpCode(200)
  update(@Body() body: unknown): PortalFaults {
    return this.faults.update(parseOrProblem(PortalFaultsPatchSchema, body ?? {}));
  }

  @Delete()
  reset(): PortalFaults {
    return this.faults.reset();
  }
}
