import { Body, Controller, Delete, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { parseOrProblem } from '@labsync/service-runtime';
import { LabFaultsPatchSchema, type LabFaults } from './lab-faults';
import { FaultsService } from './faults.service';

@Controller('sim/faults')
export class FaultsController {
  constructor(@Inject(FaultsService) private readonly faults: FaultsService) {}

  @Get()
  current(): LabFaults {
    return this.faults.current();
  }

  @Post()
  @HttpCode(200)
  update(@Body() body: unknown): LabFaults {
    return this.faults.update(parseOrProblem(LabFaultsPatchSchema, body ?? {}));
  }

  @Delete()
  reset(): LabFaults {
    return this.faults.reset();
  }
}
