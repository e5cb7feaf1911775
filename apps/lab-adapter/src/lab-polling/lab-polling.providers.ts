import type { Provider } from '@nestjs/common';
import { APP_CONFIG } from '@labsync/service-runtime';
import type { LabAdapterAppConfig } from '../config/lab-adapter-config';
import { HttpLabChangesFeed } from './http-lab-changes-feed';
import { LAB_CHANGES_FEED } from './lab-changes-feed';
import { LabPollMetrics } from './lab-poll-metrics';
import { LabPoller } from './lab-poller.worker';
import { LAB_POLLING_CONFIG } from './lab-polling-config';
import { PollWatermarkRepository } from './poll-watermark.repository';

/** Providers of the lab poller, for the app module (the poller idles unless LAB_EVENTS_MODE=polling). */
export const labPollingProviders: Provider[] = [
  { provide: LAB_POLLING_CONFIG, useFactory: (config: LabAdapterAppConfig) => config.polling, inject: [APP_CONFIG] },
  HttpLabChangesFeed,
  { provide: LAB_CHANGES_FEED, useExisting: HttpLabChangesFeed },
  LabPollMetrics,
  PollWatermarkRepository,
  LabPoller,
];
