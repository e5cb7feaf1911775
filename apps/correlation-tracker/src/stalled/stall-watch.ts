import type { StallReason } from '@labsync/contracts';
import { stallReasonFor } from '../lifecycle/correlation-state-machine';
import { isPublishable, type CorrelationState } from '../lifecycle/correlation-state';

/**
 * The stall watch of a correlation (columns `watch_reason`, `watch_since`): what it waits for from the lab,
 * named by the reason it stalls for, and since when. The sweeper finds overdue correlations by it.
 * - keep: nothing the watch depends on changed;
 * - clear: the correlation waits for nothing from the lab (COMPLETED and after, terminal, STALLED — one
 *   alert per stall — or not published yet);
 * - start: it made progress (status changed, a new result) or waits for something else: the clock restarts
 *   at the transaction's time (the database clock, shared by every replica).
 */
export type WatchUpdate = { kind: 'keep' } | { kind: 'clear' } | { kind: 'start'; reason: StallReason };

export function watchUpdateFor(before: CorrelationState, after: CorrelationState, watching: StallReason | null): WatchUpdate {
  const reason = isPublishable(after) ? stallReasonFor(after.status) : null;
  if (reason === null) return watching === null ? { kind: 'keep' } : { kind: 'clear' };
  const progressed = after.status !== before.status || after.results.length > before.results.length;
  return progressed || reason !== watching ? { kind: 'start', reason } : { kind: 'keep' };
}
