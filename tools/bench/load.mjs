// Load generators. Open loop: request i is due at start + i/rate and is sent then whatever happened to the
// earlier ones, and its latency is counted from when it was DUE, not from when it was sent, so a stalled
// server or a starved client cannot hide latency by sending less (no coordinated omission). Closed loop:
// N workers, each sending its next request when the last one is answered (finds the saturation rate).

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with server timestamps on this host). */
export const nowMs = () => performance.timeOrigin + performance.now();

/**
 * Sends `count = rate * seconds` operations on schedule. `send(index, dueMs)` returns a promise of a record;
 * the result is the records in index order plus how late the generator itself was (its own health check:
 * a large send lag means the load generator, not the server, was short of CPU).
 */
export async function openLoop({ rate, seconds, send }) {
  const count = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const start = nowMs() + 20;
  const records = new Array(count);
  const sendLag = new Array(count);
  const inFlight = [];
  let next = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = nowMs();
      while (next < count && start + next * interval <= now) {
        const index = next++;
        const due = start + index * interval;
        sendLag[index] = now - due;
        inFlight.push(
          send(index, due).then(
            (record) => (records[index] = record),
            (error) => (records[index] = { error: String(error?.message ?? error) }),
          ),
        );
      }
      if (next >= count) return resolve();
      const wait = start + next * interval - nowMs();
      setTimeout(tick, Math.max(0, Math.min(wait, 10)));
    };
    tick();
  });
  const sentUntil = nowMs();
  await Promise.all(inFlight);
  return { records, start, end: start + count * interval, sentUntil, answeredUntil: nowMs(), sendLag };
}

/** `workers` loops each calling `send(index)` back to back until `seconds` have passed. */
export async function closedLoop({ workers, seconds, send }) {
  const start = nowMs();
  const stopAt = start + seconds * 1000;
  const records = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (nowMs() < stopAt) {
        const index = next++;
        const sentAt = nowMs();
        records[index] = await send(index, sentAt).catch((error) => ({ error: String(error?.message ?? error) }));
      }
    }),
  );
  return { records, start, end: stopAt, answeredUntil: nowMs() };
}

/** Polls `check` until it returns a truthy value or the deadline passes (then returns the last value). */
export async function pollUntil(check, { timeoutMs, intervalMs = 500 }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value?.done || Date.now() >= deadline) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Polls `check` until it reports `done`, giving up only when its `progress` value has not changed for
 * `stallMs` (the pipeline stopped working) or `maxMs` passed: a slow drain is waited for, a stuck one is not.
 */
export async function pollWhileProgressing(check, { stallMs, maxMs, intervalMs = 500 }) {
  const started = Date.now();
  let lastProgress;
  let lastChange = started;
  for (;;) {
    const value = await check();
    if (value?.done) return value;
    const now = Date.now();
    if (value?.progress !== lastProgress) {
      lastProgress = value?.progress;
      lastChange = now;
    }
    if (now - lastChange >= stallMs || now - started >= maxMs) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
