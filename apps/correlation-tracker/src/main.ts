import { runServiceMain } from '@labsync/service-runtime';
import { TRACKER_ENV_DEFAULTS, definition } from './correlation-tracker.definition';

for (const [name, value] of Object.entries(TRACKER_ENV_DEFAULTS)) process.env[name] ||= value;
runServiceMain(definition);
