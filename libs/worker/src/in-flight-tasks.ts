/**
 * The tasks a worker started and has not seen finish (deliveries, lab calls): how many slots are free, a
 * way to wait for one, and a way to let them all finish at shutdown. `onSettled` runs after each task ends
 * (typically the worker's wake(): a slot is free, and the task may have unblocked more work).
 */
export class InFlightTasks {
  private readonly tasks = new Set<Promise<unknown>>();

  constructor(private readonly onSettled: (size: number) => void = () => undefined) {}

  get size(): number {
    return this.tasks.size;
  }

  /** Tracks `task` (which must handle its own errors; a rejection here is swallowed, not reported). */
  add(task: Promise<unknown>): void {
    const tracked = task.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      this.tasks.delete(tracked);
      this.onSettled(this.tasks.size);
    });
    this.tasks.add(tracked);
  }

  /** Resolves as soon as one task ends (at once when none runs). */
  async oneSettled(): Promise<void> {
    if (this.tasks.size === 0) return;
    await Promise.race(this.tasks);
  }

  /** Resolves when every task started so far has ended. */
  async allSettled(): Promise<void> {
    await Promise.allSettled([...this.tasks]);
  }
}
