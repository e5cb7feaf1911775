import { ConfigError } from '@labsync/configuration';
import { loadStallSettings, watchedReasons } from './stall-settings';

describe('stall settings', () => {
  it('defaults to hours: 4 h for the lab acceptance, 48 h without progress, a sweep a minute', () => {
    const settings = loadStallSettings({});
    expect(settings).toEqual({ overdueAfterMs: { 'lab-acceptance-overdue': 4 * 3_600_000, 'results-overdue': 48 * 3_600_000 }, sweepIntervalMs: 60_000, batchSize: 200 });
    expect(watchedReasons(settings)).toEqual(['lab-acceptance-overdue', 'results-overdue']);
  });

  it('takes the variables, and 0 turns a check off', () => {
    const settings = loadStallSettings({ STALL_ACCEPT_AFTER_MS: '0', STALL_RESULTS_AFTER_MS: '2500', STALL_SWEEP_INTERVAL_MS: '100', STALL_SWEEP_BATCH_SIZE: '5' });
    expect(settings).toEqual({ overdueAfterMs: { 'lab-acceptance-overdue': 0, 'results-overdue': 2500 }, sweepIntervalMs: 100, batchSize: 5 });
    expect(watchedReasons(settings)).toEqual(['results-overdue']);
  });

  it('refuses a bad value, naming the variable', () => {
    for (const env of [{ STALL_ACCEPT_AFTER_MS: '-1' }, { STALL_RESULTS_AFTER_MS: 'two days' }, { STALL_SWEEP_INTERVAL_MS: '10' }, { STALL_SWEEP_BATCH_SIZE: '0' }]) {
      const name = Object.keys(env)[0]!;
      expect(() => loadStallSettings(env)).toThrow(ConfigError);
      expect(() => loadStallSettings(env)).toThrow(name);
    }
  });
});
