// Latency and rate statistics of the benchmark. Exact percentiles (nearest rank on the sorted samples, no
// histogram buckets), so a p99 of 300 samples is the 297th smallest value: we report counts beside every
// percentile so a reader can judge how much a tail figure is worth.

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const round = (value, digits = 1) => (value === null || value === undefined || !Number.isFinite(value) ? null : Number(value.toFixed(digits)));

/** { count, min, p50, p95, p99, max, mean } in the unit of the samples (ms here), rounded to 0.1. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples.filter((v) => Number.isFinite(v))).sort();
  if (sorted.length === 0) return { count: 0, min: null, p50: null, p95: null, p99: null, max: null, mean: null };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: round(sorted[0]),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1]),
    mean: round(sum / sorted.length),
  };
}

/** Occurrences of each value, e.g. HTTP status codes: { "202": 1999, "error": 1 }. */
export function countBy(values) {
  const counts = {};
  for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  return counts;
}

/** Events per second over [from, to] (ms timestamps). */
export function ratePerSecond(count, fromMs, toMs) {
  const seconds = (toMs - fromMs) / 1000;
  return seconds > 0 ? round(count / seconds, 1) : null;
}

/**
 * The busiest steady stretch of a completion-time series: events per second in each whole second between the
 * first and last event, then the median of those per-second counts (robust against a slow first and last
 * second). Used for the closed-loop run, where the pipeline works through a backlog at its own pace.
 */
export function medianPerSecond(timestampsMs) {
  if (timestampsMs.length < 2) return null;
  const sorted = Float64Array.from(timestampsMs).sort();
  const start = sorted[0];
  const seconds = Math.floor((sorted[sorted.length - 1] - start) / 1000);
  if (seconds < 1) return null;
  const buckets = new Array(seconds).fill(0);
  for (const t of sorted) {
    const i = Math.floor((t - start) / 1000);
    if (i < seconds) buckets[i]++;
  }
  buckets.sort((a, b) => a - b);
  return buckets[Math.floor((buckets.length - 1) / 2)];
}

/** a / b rounded, or null when either is missing. */
export function ratio(a, b, digits = 2) {
  if (a === null || b === null || a === undefined || b === undefined || b === 0) return null;
  return round(a / b, digits);
}
