/**
 * Heartbeats on a timer while a chunk is applied, retried or backed off: kafkajs only heartbeats between
 * batches, so a slow chunk used to outlive the session and get the member removed. kafkajs throttles
 * heartbeat() to its heartbeatInterval itself. A "rejoin the group" error is kept for the applier to throw.
 */
export class KeepAlive {
  private timer: NodeJS.Timeout | null = null;
  private lostWith: unknown = null;

  constructor(
    private readonly heartbeat: () => Promise<void>,
    private readonly isMembershipError: (error: unknown) => boolean,
    private readonly intervalMs: number,
  ) {}

  start(): this {
    this.timer = setInterval(() => {
      this.heartbeat().catch((error: unknown) => {
        if (this.isMembershipError(error)) this.lostWith ??= error;
      });
    }, this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Throws the membership error a heartbeat got, if any: this member must stop and rejoin. */
  check(): void {
    if (this.lostWith) throw this.lostWith;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
