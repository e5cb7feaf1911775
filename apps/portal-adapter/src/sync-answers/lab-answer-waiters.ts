import type { LabAnswer } from './lab-answer';

/**
 * What made this replica look at the view that held the answer: the request just registered (the lab had
 * answered already), a NOTIFY naming the correlation, or the fallback poll / a listener reconnect.
 */
export type FoundBy = 'registration' | 'notification' | 'poll';

/** How one wait ended. */
export type WaitOutcome =
  | { kind: 'answered'; answer: LabAnswer; foundBy: FoundBy }
  /** N seconds ran out: the partner gets the asynchronous 202. */
  | { kind: 'timeout' }
  /** The partner closed the connection before an answer. */
  | { kind: 'abandoned' }
  /** The replica is shutting down: waiting requests get their 202 now rather than a dropped connection. */
  | { kind: 'shutdown' };

/** Reads the answers (decided correlations only) of some correlation ids from the shared read model. */
export type ReadAnswers = (correlationIds: string[]) => Promise<Map<string, LabAnswer>>;

interface Waiter {
  correlationId: string;
  settle(outcome: WaitOutcome): void;
}

/**
 * The in-memory registry of one replica's waiting requests, keyed by correlation id. It never decides an
 * answer itself: it looks at the shared read model (correlation_views, which every replica's status
 * consumer writes) when told a correlation changed (NOTIFY payload), when told anything may have changed
 * (listener reconnected), on a fallback poll while anyone waits, and once right after each registration.
 *
 * A waiter is registered before that first look, so an answer committed at any moment is either seen by
 * the look or announced by a NOTIFY that finds the waiter already there. Looks are coalesced: one read at a
 * time, covering every correlation marked since the previous one.
 */
export class LabAnswerWaiters {
  private readonly waiting = new Map<string, Set<Waiter>>();
  /** Correlations to look at, with what marked them. */
  private readonly marked = new Map<string, FoundBy>();
  private allMarked = false;
  private reading = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly read: ReadAnswers,
    private readonly pollMs: number,
    private readonly onReadError: (error: unknown) => void,
  ) {}

  /** Requests waiting right now. */
  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }

  /** Resolves with the lab's answer, or when `timeoutMs` ran out, the signal aborted, or close() was called. Never rejects. */
  wait(correlationId: string, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'shutdown' });
    if (signal?.aborted) return Promise.resolve({ kind: 'abandoned' });
    return new Promise<WaitOutcome>((resolve) => {
      let done = false;
      const onAbort = () => waiter.settle({ kind: 'abandoned' });
      const timer = setTimeout(() => waiter.settle({ kind: 'timeout' }), Math.max(0, timeoutMs));
      const waiter: Waiter = {
        correlationId,
        settle: (outcome) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.remove(waiter);
          resolve(outcome);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const set = this.waiting.get(correlationId) ?? new Set<Waiter>();
      set.add(waiter);
      this.waiting.set(correlationId, set);
      this.startPolling();
      // Registered first, then looked at: nothing committed from here on can slip between look and wait.
      this.mark(correlationId, 'registration');
    });
  }

  /** A correlation's view changed (a NOTIFY payload); without an id (poll, reconnect), anything may have changed. */
  changed(correlationId?: string): void {
    if (correlationId === undefined) {
      if (this.waiting.size === 0 || this.closed) return;
      this.allMarked = true;
      if (!this.reading) void this.readMarked();
    } else {
      this.mark(correlationId, 'notification');
    }
  }

  private mark(correlationId: string, by: FoundBy): void {
    // Notifications for correlations nobody waits for here cost a map lookup, nothing more.
    if (this.closed || !this.waiting.has(correlationId)) return;
    this.marked.set(correlationId, by);
    if (!this.reading) void this.readMarked();
  }

  /** Answers every waiting request with `shutdown` and stops polling. */
  close(): void {
    this.closed = true;
    this.stopPolling();
    for (const set of [...this.waiting.values()]) for (const waiter of [...set]) waiter.settle({ kind: 'shutdown' });
  }

  private async readMarked(): Promise<void> {
    this.reading = true;
    try {
      while (this.allMarked || this.marked.size > 0) {
        const foundBy = new Map<string, FoundBy>();
        if (this.allMarked) for (const id of this.waiting.keys()) foundBy.set(id, 'poll');
        for (const [id, by] of this.marked) if (this.waiting.has(id)) foundBy.set(id, by);
        const ids = [...foundBy.keys()];
        this.allMarked = false;
        this.marked.clear();
        if (ids.length === 0) continue;
        let answers: Map<string, LabAnswer>;
        try {
          answers = await this.read(ids);
        } catch (error) {
          // The database is away: the waiters keep waiting (bounded by their deadline) and the poll retries.
          this.onReadError(error);
          return;
        }
        for (const [id, answer] of answers) {
          for (const waiter of [...(this.waiting.get(id) ?? [])]) waiter.settle({ kind: 'answered', answer, foundBy: foundBy.get(id) ?? 'poll' });
        }
      }
    } finally {
      // Set synchronously after the loop's last check, so a change marked meanwhile always starts a read.
      this.reading = false;
    }
  }

  private remove(waiter: Waiter): void {
    const set = this.waiting.get(waiter.correlationId);
    if (!set) return;
    set.delete(waiter);
    if (set.size === 0) this.waiting.delete(waiter.correlationId);
    if (this.waiting.size === 0) this.stopPolling();
  }

  private startPolling(): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => this.changed(), this.pollMs);
    this.pollTimer.unref();
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }
}
