import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@labsync/service-runtime';
import type { Logger } from '@labsync/observability';
import { NO_FAULTS, type PortalFaults, type PortalFaultsPatch } from './portal-faults';

/** The fault settings in force. In memory on purpose: a restarted portal comes back healthy. */
@Injectable()
export class FaultsService {
  private settings: PortalFaults = { ...NO_FAULTS };

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  current(): PortalFaults {
    return { ...this.settings };
  }

  update(patch: PortalFaultsPatch): PortalFaults {
    this.settings = { ...this.settings, ...patch };
    this.logger.info({ faults: this.settings }, 'portal-sim faults changed');
    return this.current();
  }

  reset(): PortalFaults {
    this.settings = { ...NO_FAULTS };
    this.logger.info('portal-sim faults cleared');
    return this.current();
  }
}
