/** Gives back a slot taken by tryAcquire; calling it twice gives it back once. */
export type ReleaseSlot = () => void;

/**
 * Bounds the `Prefer: wait` connections one replica holds open: at most `perPartner` for one partner
 * (PARTNER_MAX_WAITS) and `total` for all (MAX_WAITS). Without a slot the request gets the 202 answer at
 * once, so one partner cannot park this replica's sockets, and a stored request never turns into an error.
 */
export class SyncWaitSlots {
  private readonly byPartner = new Map<string, number>();
  private held = 0;

  constructor(
    readonly perPartner: number,
    readonly total: number,
  ) {}

  tryAcquire(partnerId: string): ReleaseSlot | null {
    const partnerHeld = this.byPartner.get(partnerId) ?? 0;
    if (partnerHeld >= this.perPartner || this.held >= this.total) return null;
    this.byPartner.set(partnerId, partnerHeld + 1);
    this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
      const left = (this.byPartner.get(partnerId) ?? 1) - 1;
      if (left === 0) this.byPartner.delete(partnerId);
      else this.byPartner.set(partnerId, left);
    };
  }
}
