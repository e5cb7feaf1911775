/**
 * Lets a background loop sleep until either a timeout or a wake-up call, without losing a wake-up that
 * arrives while the loop is busy (it makes the next sleep return at once).
 */
export class WakeSignal {
  private pending = false;
  private resolveSleep: (() => void) | null = null;

  wake(): void {
    this.pending = true;
    this.resolveSleep?.();
  }

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.resolveSleep = null;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.resolveSleep = done;
    });
  }
}
