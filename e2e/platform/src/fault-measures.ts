/** Timing and measuring helpers shared by the fault specs (infrastructure and partner faults). */

/** Seconds since `startedAt` (Date.now()), for the figures the specs log. */
export const secondsSince = (startedAt: number) => Number(((Date.now() - startedAt) / 1000).toFixed(1));

/** A timer for timing a fault (an outage of a fixed length), never for waiting on a result. */
export const faultTimer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A logger of one line per measured figure, so a run's log shows what each fault cost and how fast the platform recovered. */
export const figureLogger =
  (suite: string) =>
  (test: string, figures: Record<string, unknown>): void => {
    console.log(`[${suite}] ${test}: ${JSON.stringify(figures)}`);
  };

/** Sum of a counter's samples on an app's `/metrics`, over the samples whose labels include `labels`. */
export async function metricSum(appUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${appUrl}/metrics`);
  const text = await response.text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const sampleLabels = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => sampleLabels[k] === v)) sum += Number(match[4]);
  }
  return sum;
}
