import type { Provider } from '@nestjs/common';
import { SERVICE_ENV } from '@labsync/service-runtime';
import { HttpLabChangesFeed } from './http-lab-changes-feed';
import { LAB_CHANGES_FEED } from './lab-changes-feed';
import { LabPollMetrics } from './lab-poll-metrics';
import { LabPoller } from './lab-poller.worker';
import { LAB_POLLING_CONFIG, labPollingConfigFromEnv } from './lab-polling-config';
import { PollWatermarkRepository } from './poll-watermark.repository';

/** Providers of the lab poller, for the app module (the poller idles unless LAB_EVENTS_MODE=polling). */
export const labPollingProviders: Provider[] = [
  { provide: LAB_POLLING_CONFIG, useFactory: labPollingConfigFromEnv, inject: [SERVICE_ENV] },
  HttpLabChangesFeed,
  { provide: LAB_CHANGES_FEED, useExisting: HttpLabChangesFeed },
  LabPollMetrics,
  PollWatermarkRepository,
  LabPoller,
];
