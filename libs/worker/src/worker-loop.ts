import type { Metrics } from '@labsync/observability';
import type { Client } from 'pg';
import type { AdvisoryLeadership } from './advisory-leadership';
import { delayBeforeRetryMs, type Backoff } from './backoff';

/**
 * What a run tells the loop to do next:
 * - nothing (undefined): wait for a wake-up, at most `idleRecheckMs`;
 * - `'more'`: work is waiting, run again at once;
 * - `{ waitMs }`: wait for a wake-up, at most this long;
 * - `'failed'`: count a failure and back off, as if it had thrown, but keep the leadership.
 */
export type RunResult = void | 'more' | 'failed' | { waitMs: number };

export interface RunContext {
  /** The leader connection (session holding the advisory lock) when the loop has `leadership`. */
  leaderClient: Client | null;
}

export interface WorkerLoopOptions {
  /** Label of the worker's metrics and logs (`outbox-relay`, `lab-poller`...). */
  name: string;
  run: (context: RunContext) => Promise<RunResult>;
  /** A safety net: how long to wait for a wake-up (NOTIFY, a finished task) before looking again anyway. */
  idleRecheckMs: number;
  /** Wait after each consecutive failure (a thrown run, a 'failed' result, Postgres unreachable for the lock). */
  backoff: Backoff;
  /** False: a wake-up does not cut a backoff short (a failing worker must not turn commits into a hot loop). */
  wakeDuringBackoff?: boolean;
  /** How long to wait before the first run (a periodic job's first interval). Default 0. */
  firstRunAfterMs?: number;
  /** One active instance across replicas; the others stand by and retry every `standbyMs`. */
  leadership?: { lock: AdvisoryLeadership; standbyMs: number };
  /** Replaces the default warning after a failure (`error` undefined for a 'failed' result). */
  onFailure?: (error: unknown, consecutiveFailures: number, retryInMs: number) => void;
  /** Only warnings after a failure, when there is no onFailure. */
  log: { warn(details: object, message: string): void };
  metrics?: Metrics;
}

/**
 * The one background-loop shape: run, then sleep until woken or until the next recheck; back off with jitter
 * while runs fail; optionally only while holding a Postgres advisory lock. `stop()` ends any wait at once
 * and resolves after the run in progress has returned.
 */
export class WorkerLoop {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeRequested = false;
  private endWait: ((byWake: boolean) => void) | null = null;
  private readonly instruments;

  constructor(private readonly options: WorkerLoopOptions) {
    const m = options.metrics;
    this.instruments = m && {
      runs: m.counter('labsync_worker_runs_total', 'Runs of a background worker, by outcome', ['worker', 'outcome']),
      lastSuccess: m.gauge('labsync_worker_last_success_seconds', 'Unix time of the last successful run of a background worker', ['worker']),
      leader: m.gauge('labsync_worker_leader', '1 when this process holds the worker lock (workers with a single active instance)', ['worker']),
    };
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.runLoop();
  }

  /** Stops looping; resolves once the current run (if any) has returned and the leadership is released. */
  async stop(): Promise<void> {
    this.running = false;
    this.endWait?.(false);
    await this.loop;
    this.loop = null;
  }

  /** Run now rather than at the end of the current wait. Wake-ups while a run is busy coalesce into one more run. */
  wake(): void {
    this.wakeRequested = true;
    this.endWait?.(true);
  }

  private async runLoop(): Promise<void> {
    const { options } = this;
    let failures = 0;
    const failed = async (error: unknown) => {
      failures += 1;
      this.instruments?.runs.inc({ worker: options.name, outcome: 'failed' });
      const retryInMs = delayBeforeRetryMs(failures, options.backoff);
      if (options.onFailure) options.onFailure(error, failures, retryInMs);
      else options.log.warn({ err: error, worker: options.name, failures }, `${options.name} failed; retrying in ${retryInMs} ms`);
      await this.sleep(retryInMs, options.wakeDuringBackoff ?? true);
    };
    if (options.firstRunAfterMs) await this.sleep(options.firstRunAfterMs, true);
    while (this.running) {
      let leaderClient: Client | null = null;
      if (options.leadership) {
        try {
          leaderClient = await options.leadership.lock.acquire();
        } catch (error) {
          this.setLeader(false);
          await failed(error);
          continue;
        }
        this.setLeader(leaderClient !== null);
        if (!leaderClient) {
          await this.sleep(options.leadership.standbyMs, true);
          continue;
        }
      }
      // Wake-ups until now are served by this run; later ones make the next wait return at once.
      this.wakeRequested = false;
      let result: RunResult;
      try {
        result = await options.run({ leaderClient });
      } catch (error) {
        // The leader connection may be what failed: start over on a new one.
        await options.leadership?.lock.release();
        this.setLeader(false);
        await failed(error);
        continue;
      }
      if (result === 'failed') {
        await failed(undefined);
        continue;
      }
      failures = 0;
      this.instruments?.runs.inc({ worker: options.name, outcome: 'ok' });
      this.instruments?.lastSuccess.set({ worker: options.name }, Date.now() / 1000);
      if (result === 'more') continue;
      await this.sleep(result === undefined ? options.idleRecheckMs : result.waitMs, true);
    }
    await options.leadership?.lock.release();
    this.setLeader(false);
  }

  private setLeader(leading: boolean): void {
    this.instruments?.leader.set({ worker: this.options.name }, leading ? 1 : 0);
  }

  /** Waits `ms`, or less: stop() always ends the wait, wake() only when `wakeable`. */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running || (wakeable && this.wakeRequested)) return Promise.resolve();
    return new Promise((resolve) => {
      // Unref'd: a waiting worker alone does not keep the process up; stop() is the way to end it cleanly.
      const timer = setTimeout(() => done(), ms).unref();
      const done = () => {
        clearTimeout(timer);
        this.endWait = null;
        resolve();
      };
      this.endWait = (byWake) => {
        if (byWake && !wakeable) return;
        done();
      };
    });
  }
}
