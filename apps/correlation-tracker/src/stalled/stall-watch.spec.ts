import { apply } from '../lifecycle/correlation-state-machine';
import { accepted, dispatched, labStatus, rejected, result, run, stallDetected, submitted } from '../lifecycle/lifecycle-fixtures';
import type { CorrelationState, LifecycleEvent } from '../lifecycle/correlation-state';
import { watchUpdateFor } from './stall-watch';

const step = (before: CorrelationState, event: LifecycleEvent, watching: Parameters<typeof watchUpdateFor>[2]) => watchUpdateFor(before, apply(before, event).state, watching);

describe('stall watch', () => {
  it('starts waiting for the lab acceptance at RECEIVED, and restarts the clock at DISPATCHED', () => {
    expect(step(run([]), submitted(), null)).toEqual({ kind: 'start', reason: 'lab-acceptance-overdue' });
    expect(step(run([submitted()]), dispatched(), 'lab-acceptance-overdue')).toEqual({ kind: 'start', reason: 'lab-acceptance-overdue' });
  });

  it('waits for results once accepted, restarting with every status change and every new result', () => {
    const dispatchedState = run([submitted(), dispatched()]);
    expect(step(dispatchedState, accepted(), 'lab-acceptance-overdue')).toEqual({ kind: 'start', reason: 'results-overdue' });
    const partial = run([submitted(), accepted(), result('e1', 'preliminary', 4)]);
    expect(step(partial, result('e2', 'final', 5), 'results-overdue')).toEqual({ kind: 'start', reason: 'results-overdue' });
  });

  it('keeps the clock when nothing new happened (a late status, a duplicate result, an acknowledgement)', () => {
    const partial = run([submitted(), accepted(), labStatus('IN_PROGRESS', 3), result('e1', 'preliminary', 4)]);
    expect(step(partial, labStatus('IN_PROGRESS', 3), 'results-overdue')).toEqual({ kind: 'keep' });
    expect(step(partial, result('e1', 'preliminary', 4), 'results-overdue')).toEqual({ kind: 'keep' });
    expect(step(partial, { kind: 'delivery-succeeded', at: partial.timeline[1]!.at, seq: 2 }, 'results-overdue')).toEqual({ kind: 'keep' });
  });

  it('stops watching at COMPLETED, at a terminal status, and while STALLED (one alert per stall)', () => {
    const inProgress = run([submitted(), accepted(), labStatus('IN_PROGRESS', 3)]);
    expect(step(inProgress, labStatus('COMPLETED', 5), 'results-overdue')).toEqual({ kind: 'clear' });
    expect(step(run([submitted()]), rejected(['no']), 'lab-acceptance-overdue')).toEqual({ kind: 'clear' });
    expect(step(inProgress, stallDetected('results-overdue', 30), 'results-overdue')).toEqual({ kind: 'clear' });
    expect(step(run([submitted(), accepted(), labStatus('COMPLETED', 5)]), result('e1', 'final', 6), null)).toEqual({ kind: 'keep' });
  });

  it('watches nothing before request.submitted (nothing is published), then starts when it arrives', () => {
    const early = run([accepted()]);
    expect(watchUpdateFor(run([]), early, null)).toEqual({ kind: 'keep' });
    expect(step(early, submitted(), null)).toEqual({ kind: 'start', reason: 'results-overdue' });
  });

  it('starts again when a late acceptance lifts STALLED', () => {
    const stalled = run([submitted(), dispatched(), stallDetected('lab-acceptance-overdue', 30)]);
    expect(step(stalled, accepted(31), null)).toEqual({ kind: 'start', reason: 'results-overdue' });
  });
});
