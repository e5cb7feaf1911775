import { parseAll } from '@labsync/configuration';
import { operatorApiKeyFromEnv } from '@labsync/service-runtime';
import { loadStallSettings, type StallSettings } from './stalled/stall-settings';

/** Everything the tracker's providers read, parsed at boot by its definition's loadConfig (provided as APP_CONFIG). */
export interface TrackerConfig {
  stall: StallSettings;
  /** Bearer key of the operator API (OPERATOR_API_KEY; required in production). */
  operatorApiKey: string;
}

export function loadTrackerConfig(env: NodeJS.ProcessEnv): TrackerConfig {
  return parseAll({ stall: () => loadStallSettings(env), operatorApiKey: () => operatorApiKeyFromEnv(env) });
}
