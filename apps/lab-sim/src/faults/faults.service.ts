import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@labsync/service-runtime';
import type { Logger } from '@labsync/observability';
import { NO_FAULTS, type LabFaults, type LabFaultsPatch } from './lab-faults';

/** The fault settings in force. In memory on purpose: a restarted lab comes back healthy. */
@Injectable()
export class FaultsService {
  private settings: LabFaults = { ...NO_FAULTS };

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  current(): LabFaults {
    return { ...this.settings };
  }

  update(patch: LabFaultsPatch): LabFaults {
    this.settings = { ...this.settings, ...patch };
    this.logger.info({ faults: this.settings }, 'lab-sim faults changed');
    return this.current();
  }

  reset(): LabFaults {
    this.settings = { ...NO_FAULTS };
    this.logger.info('lab-sim faults cleared');
    return this.current();
  }
}
