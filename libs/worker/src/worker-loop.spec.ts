import { Metrics, createLogger } from '@labsync/observability';
import { waitFor } from '@labsync/testing';
import { WorkerLoop, type RunResult, type WorkerLoopOptions } from './worker-loop';

const log = createLogger('worker-loop-spec', 'silent');

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function loopWith(run: WorkerLoopOptions['run'], extra: Partial<WorkerLoopOptions> = {}): WorkerLoop {
  return new WorkerLoop({ name: 'spec', run, idleRecheckMs: 60_000, backoff: { baseMs: 10, maxMs: 40, jitter: 'none' }, log, ...extra });
}

describe('WorkerLoop', () => {
  let loop: WorkerLoop | null = null;
  afterEach(async () => {
    await loop?.stop();
    loop = null;
  });

  it('runs at start, then only when woken (the idle recheck is a minute away)', async () => {
    let runs = 0;
    loop = loopWith(async () => {
      runs++;
    });
    loop.start();
    await waitFor(() => runs === 1, { intervalMs: 5 });
    loop.wake();
    await waitFor(() => runs === 2, { intervalMs: 5 });
    expect(runs).toBe(2);
  });

  it('coalesces wake-ups that arrive during a run into exactly one more run', async () => {
    const gates = [deferred(), deferred()];
    let runs = 0;
    loop = loopWith(async () => {
      const gate = gates[runs++];
      await gate?.promise;
    });
    loop.start();
    await waitFor(() => runs === 1, { intervalMs: 5 });
    for (let i = 0; i < 10; i++) loop.wake();
    gates[0]!.resolve();
    await waitFor(() => runs === 2, { intervalMs: 5 });
    gates[1]!.resolve();
    // Had the ten wake-ups been queued, more runs would follow at once; the loop idles after one.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(runs).toBe(2);
    loop.wake();
    await waitFor(() => runs === 3, { intervalMs: 5 });
  });

  it('runs again at once after "more" and after the requested wait', async () => {
    const results: RunResult[] = ['more', 'more', { waitMs: 1 }, undefined];
    let runs = 0;
    loop = loopWith(async () => results[runs++]);
    loop.start();
    await waitFor(() => runs === 4, { intervalMs: 5 });
  });

  it('backs off after failures with the configured delays, and resets after a success', async () => {
    const delays: number[] = [];
    let runs = 0;
    loop = loopWith(
      async () => {
        runs++;
        if (runs <= 4) throw new Error(`boom ${runs}`);
        if (runs === 5) return 'more';
        if (runs === 6) return 'failed';
        return undefined;
      },
      { onFailure: (_e, failures, retryInMs) => delays.push(failures * 1000 + retryInMs) },
    );
    loop.start();
    await waitFor(() => runs === 7, { intervalMs: 5 });
    // 10, 20, 40, capped at 40; after the success the count starts over.
    expect(delays).toEqual([1010, 2020, 3040, 4040, 1010]);
  });

  it('counts runs, failures and the last success in its metrics', async () => {
    const metrics = new Metrics('worker-loop-spec');
    let runs = 0;
    loop = loopWith(
      async () => {
        runs++;
        if (runs === 1) throw new Error('once');
      },
      { metrics, onFailure: () => undefined },
    );
    loop.start();
    await waitFor(() => runs === 2, { intervalMs: 5 });
    await loop.stop();
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/labsync_worker_runs_total\{worker="spec",outcome="failed",service="worker-loop-spec"\} 1/);
    expect(text).toMatch(/labsync_worker_runs_total\{worker="spec",outcome="ok",service="worker-loop-spec"\} 1/);
    const lastSuccess = Number(/labsync_worker_last_success_seconds\{[^}]*\} (\S+)/.exec(text)?.[1]);
    expect(Math.abs(lastSuccess - Date.now() / 1000)).toBeLessThan(60);
  });

  it('a wake-up does not cut a backoff short when told so, but stop() does', async () => {
    let runs = 0;
    loop = loopWith(
      async () => {
        runs++;
        throw new Error('down');
      },
      { backoff: { baseMs: 60_000, maxMs: 60_000, jitter: 'none' }, wakeDuringBackoff: false, onFailure: () => undefined },
    );
    loop.start();
    await waitFor(() => runs === 1, { intervalMs: 5 });
    loop.wake();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(1);
    const started = Date.now();
    await loop.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(runs).toBe(1);
  });

  it('stop() waits for the run in progress and starts no other', async () => {
    const gate = deferred();
    let runs = 0;
    let finished = false;
    loop = loopWith(async () => {
      runs++;
      await gate.promise;
      finished = true;
      return 'more';
    });
    loop.start();
    await waitFor(() => runs === 1, { intervalMs: 5 });
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
    expect(runs).toBe(1);
  });

  it('waits before the first run when asked to (a periodic job)', async () => {
    let runs = 0;
    loop = loopWith(
      async () => {
        runs++;
      },
      { firstRunAfterMs: 60_000 },
    );
    loop.start();
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(0);
    loop.wake();
    await waitFor(() => runs === 1, { intervalMs: 5 });
  });
});
