import { httpJson, waitFor } from '@labsync/testing';
import { PARTNER_KEYS, type PlatformStack } from './platform-stack';

/**
 * What a partner and the lab do in an end-to-end run, and the invariants every run ends with: each
 * acknowledged request is one lab order, every status and result reached the portal once and in order,
 * every request ends DELIVERED. Shared by the async-flow spec and the fault specs.
 */
export type Partner = keyof typeof PARTNER_KEYS;
export const PARTNERS: Partner[] = ['acme', 'globex'];
export const auth = (partner: Partner) => ({ authorization: `Bearer ${PARTNER_KEYS[partner]}` });

export const testRequest = (portalRequestId: string, tests = ['PH', 'LEAD']) => ({
  portalRequestId,
  customer: { id: 'C-42', name: 'Acme Water Co', email: 'qa@acme.example' },
  priority: 'standard',
  samples: [{ sampleId: 'S-1', matrix: 'water', description: 'Well #3', collectedAt: '2026-11-20T08:00:00Z', tests }],
});

export interface LabOrder {
  labOrderId: string;
  externalRef: string;
  status: string;
  postCount: number;
}

export interface ReceivedEvent {
  eventId: string;
  type: 'status.changed' | 'result.reported';
  correlationId: string;
  partnerId: string;
  deliveries: number;
  body: { data: { status?: string; testCode?: string; resultStatus?: string } };
}

/** A request the portal-adapter acknowledged (202 or 201): from here on it must never be lost. */
export interface AcknowledgedRequest {
  partner: Partner;
  correlationId: string;
}

/** The lab's work on every order in `labWork`, and the portal's view of it, in the tracker's order. */
export const LAB_WORK_SEQUENCE = ['DISPATCHED', 'ACCEPTED_BY_LAB', 'IN_PROGRESS', 'RESULTS_PARTIAL', 'PH:preliminary', 'PH:final', 'LEAD:final', 'COMPLETED'];

/**
 * How `FlowDriver.violations` judges a run (every field optional; the defaults are the strict checks).
 */
export interface ViolationOptions {
  /**
   * 'exact' (default): each correlation's notifications reached the portal exactly in `expectedSequence`.
   * 'per-test': for runs where the lab's webhooks arrive duplicated or out of order (lab-sim's
   * reorderWebhooks). The tracker then legitimately skips a status that arrives after a higher one (a late
   * IN_PROGRESS after a result changes nothing) and drops a result superseded before it arrived (a
   * preliminary after its final: the partner must never see a final overwritten by a preliminary), and
   * results of different tests may interleave with statuses differently. What still must hold, and is
   * checked instead: the statuses the portal saw are a subsequence of the expected ones (never backwards)
   * and include the last one; for each test, its results are a subsequence of that test's expected results
   * (lab order) and include the last one (the final); no notification twice; and the partner's timeline
   * never goes backwards (a subsequence of RECEIVED, the expected statuses, DELIVERED).
   */
  ordering?: 'exact' | 'per-test';
  /**
   * Event ids the portal legitimately received more than once, with how many times: a callback the portal
   * answered 2xx but labsync did not see answered (timeout) is sent again, and the portal dedupes by
   * X-Labsync-Event-Id. Every other event must arrive exactly once; each listed id must be one event.
   */
  expectedDeliveries?: ReadonlyMap<string, number>;
}

/** Where `actual` breaks being a subsequence of `expected`, or null when it is one. */
export function subsequenceBreak(actual: readonly string[], expected: readonly string[]): string | null {
  let at = 0;
  for (const step of actual) {
    const found = expected.indexOf(step, at);
    if (found < 0) return step;
    at = found + 1;
  }
  return null;
}

/** The 'per-test' ordering check of one correlation (see ViolationOptions.ordering). */
export function perTestOrderingProblems(id: string, sequence: readonly string[], expectedSequence: readonly string[]): string[] {
  const problems: string[] = [];
  const isResult = (step: string) => step.includes(':');
  const seen = new Set<string>();
  for (const step of sequence) {
    if (seen.has(step)) problems.push(`${id}: portal saw ${step} twice (${sequence.join(' > ')})`);
    seen.add(step);
  }
  const streams = new Map<string, { expected: string[]; actual: string[] }>();
  const streamOf = (step: string) => (isResult(step) ? `test ${step.split(':')[0]}` : 'statuses');
  for (const step of expectedSequence) {
    const stream = streams.get(streamOf(step)) ?? { expected: [], actual: [] };
    stream.expected.push(step);
    streams.set(streamOf(step), stream);
  }
  for (const step of sequence) {
    const stream = streams.get(streamOf(step));
    if (!stream) problems.push(`${id}: portal saw unexpected ${step} (${sequence.join(' > ')})`);
    else stream.actual.push(step);
  }
  for (const [name, stream] of streams) {
    const broken = subsequenceBreak(stream.actual, stream.expected);
    if (broken) problems.push(`${id}: ${name} out of order at ${broken} (${stream.actual.join(' > ')})`);
    const last = stream.expected[stream.expected.length - 1]!;
    if (!stream.actual.includes(last)) problems.push(`${id}: portal never saw ${last} (${sequence.join(' > ')})`);
  }
  return problems;
}

/** Runs `task` over `items` with at most `limit` at a time. */
export async function inBatches<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i]!);
      }
    }),
  );
  return results;
}

export class FlowDriver {
  constructor(private readonly stack: PlatformStack) {}

  submit(partner: Partner, body: unknown, headers: Record<string, string> = {}) {
    return httpJson('POST', `${this.stack.portalAdapter.url}/v1/test-requests`, body, { ...auth(partner), ...headers });
  }

  statusOf(partner: Partner, correlationId: string) {
    return httpJson('GET', `${this.stack.portalAdapter.url}/v1/test-requests/${correlationId}`, undefined, auth(partner));
  }

  async labOrders(externalRef?: string): Promise<LabOrder[]> {
    const query = externalRef ? `?externalRef=${externalRef}` : '?limit=10000';
    return (await httpJson<{ orders: LabOrder[] }>('GET', `${this.stack.labSim.url}/sim/orders${query}`)).body.orders;
  }

  async received(): Promise<ReceivedEvent[]> {
    return (await httpJson<{ events: ReceivedEvent[] }>('GET', `${this.stack.portalSim.url}/sim/received`)).body.events;
  }

  /**
   * Submits `count` requests concurrently (partners alternating) and returns those acknowledged. A request
   * that got no answer (a crash mid-flight) is not acknowledged and is not part of the invariants.
   * `concurrency`: requests in flight at once (the fault specs use fewer on a loaded 2-core machine).
   */
  async submitMany(count: number, label: string, headers: Record<string, string> = {}, concurrency = 50): Promise<AcknowledgedRequest[]> {
    const answers = await inBatches(
      Array.from({ length: count }, (_, i) => i),
      concurrency,
      async (i) => {
        const partner = PARTNERS[i % 2]!;
        const answer = await this.submit(partner, testRequest(`PR-${label}-${i}`), headers).catch(() => null);
        return answer && (answer.status === 202 || answer.status === 201) ? { partner, correlationId: answer.body.correlationId as string } : null;
      },
    );
    return answers.filter((a): a is AcknowledgedRequest => a !== null);
  }

  /** Waits until lab-sim holds an order for each request and returns them (one per correlation id). */
  async waitForLabOrders(requests: AcknowledgedRequest[], timeoutMs = 120_000): Promise<LabOrder[]> {
    const wanted = new Set(requests.map((r) => r.correlationId));
    return waitFor(
      async () => {
        const orders = (await this.labOrders()).filter((o) => wanted.has(o.externalRef));
        return new Set(orders.map((o) => o.externalRef)).size === wanted.size && orders;
      },
      { timeoutMs, intervalMs: 500, what: `${wanted.size} lab orders in lab-sim` },
    );
  }

  /** Waits until the partner's view of every request has `status`. */
  async waitForStatus(requests: AcknowledgedRequest[], status: string, timeoutMs = 120_000): Promise<void> {
    let lastSeen: (string | undefined)[] = [];
    try {
      await waitFor(
        async () => {
          const views = await inBatches(requests, 20, async (r) => (await this.statusOf(r.partner, r.correlationId)).body);
          lastSeen = views.map((v) => v?.status);
          return lastSeen.every((s) => s === status);
        },
        { timeoutMs, intervalMs: 1000, what: `${status} for ${requests.length} requests` },
      );
    } catch (error) {
      // A timeout alone says nothing in a CI log: say where the stragglers are and what the apps report.
      throw new Error(`${(error as Error).message}\n${await this.diagnose(requests, lastSeen, status)}`);
    }
  }

  /** Where requests that have not reached `status` stand, what portal-sim got of them, and each app's readiness and logs. */
  async diagnose(requests: AcknowledgedRequest[], lastSeen: (string | undefined)[], status: string): Promise<string> {
    const byStatus = new Map<string, string[]>();
    requests.forEach((r, i) => {
      const seen = lastSeen[i] ?? 'unknown';
      if (seen !== status) byStatus.set(seen, [...(byStatus.get(seen) ?? []), r.correlationId]);
    });
    const lines = [...byStatus].map(([s, ids]) => `  ${ids.length} at ${s}, e.g. ${ids.slice(0, 3).join(', ')}`);
    const stragglers = new Set([...byStatus.values()].flat());
    const received = await this.received().catch(() => [] as ReceivedEvent[]);
    const notified = received.filter((e) => stragglers.has(e.correlationId)).length;
    lines.push(`  portal-sim holds ${notified} notifications of those ${stragglers.size} requests`);
    for (const app of this.stack.all) {
      const ready = await app.readiness();
      lines.push(`  ${app.logFile}: ready ${ready ? `${ready.status} ${ready.body.slice(0, 300)}` : 'unreachable'}`);
      for (const line of app.recentWarnings(3)) lines.push(`    ${line.slice(0, 400)}`);
    }
    return lines.join('\n');
  }

  /** The lab works every order like a technician: in progress, preliminary then final pH, final lead, completed. */
  async labWork(orders: LabOrder[], concurrency = 10): Promise<void> {
    const does = async (path: string, body: unknown) => {
      // Like any well-behaved client, come back after a 503 (lab-sim's database pool was busy on a loaded
      // machine: nothing was done); anything else but 202 is a failure.
      for (let attempt = 1; ; attempt++) {
        const answer = await httpJson('POST', `${this.stack.labSim.url}/sim/orders/${path}`, body);
        if (answer.status === 202) return;
        if (answer.status !== 503 || attempt >= 5) throw new Error(`lab-sim ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    };
    await inBatches(orders, concurrency, async ({ labOrderId }) => {
      await does(`${labOrderId}/status`, { status: 'IN_PROGRESS' });
      await does(`${labOrderId}/results`, { sampleId: 'S-1', testCode: 'PH', resultStatus: 'preliminary', analytes: [{ name: 'pH', value: 7.1, unit: 'pH' }] });
      await does(`${labOrderId}/results`, { sampleId: 'S-1', testCode: 'PH', resultStatus: 'final', analytes: [{ name: 'pH', value: 7.2, unit: 'pH' }] });
      await does(`${labOrderId}/results`, { sampleId: 'S-1', testCode: 'LEAD', resultStatus: 'final', analytes: [{ name: 'Lead', value: 3.4, unit: 'µg/L' }] });
      await does(`${labOrderId}/status`, { status: 'COMPLETED' });
    });
  }

  /**
   * The invariants, checked after everything settled: one lab order per acknowledged request, every
   * notification reached its own partner's portal exactly once and in `expectedSequence`, every request
   * DELIVERED. Returns what the check saw, for the test to report.
   */
  async violations(requests: AcknowledgedRequest[], expectedSequence = LAB_WORK_SEQUENCE, options: ViolationOptions = {}): Promise<string[]> {
    const problems: string[] = [];
    const ids = new Set(requests.map((r) => r.correlationId));
    if (ids.size !== requests.length) problems.push(`${requests.length - ids.size} acknowledged requests share a correlation id`);

    const orders = (await this.labOrders()).filter((o) => ids.has(o.externalRef));
    const ordersPerRef = new Map<string, number>();
    for (const order of orders) ordersPerRef.set(order.externalRef, (ordersPerRef.get(order.externalRef) ?? 0) + 1);
    for (const id of ids) {
      const n = ordersPerRef.get(id) ?? 0;
      if (n !== 1) problems.push(`${id}: ${n} lab orders`);
    }

    const partnerOf = new Map(requests.map((r) => [r.correlationId, r.partner]));
    const events = (await this.received()).filter((e) => ids.has(e.correlationId));
    for (const e of events) {
      const expectedDeliveries = options.expectedDeliveries?.get(e.eventId) ?? 1;
      if (e.deliveries !== expectedDeliveries) problems.push(`${e.correlationId}: event ${e.eventId} delivered ${e.deliveries} times (expected ${expectedDeliveries})`);
      if (e.partnerId !== partnerOf.get(e.correlationId)) problems.push(`${e.correlationId}: event ${e.eventId} went to ${e.partnerId}`);
    }
    const byCorrelation = new Map<string, string[]>();
    for (const e of events) {
      const step = e.type === 'status.changed' ? e.body.data.status! : `${e.body.data.testCode}:${e.body.data.resultStatus}`;
      byCorrelation.set(e.correlationId, [...(byCorrelation.get(e.correlationId) ?? []), step]);
    }
    for (const [eventId] of options.expectedDeliveries ?? []) {
      const n = events.filter((e) => e.eventId === eventId).length;
      if (n !== 1) problems.push(`event ${eventId} is ${n} events at the portal (expected one, received several times)`);
    }
    for (const id of ids) {
      const sequence = byCorrelation.get(id) ?? [];
      if (options.ordering === 'per-test') problems.push(...perTestOrderingProblems(id, sequence, expectedSequence));
      else if (JSON.stringify(sequence) !== JSON.stringify(expectedSequence)) problems.push(`${id}: portal saw ${sequence.join(' > ')}`);
    }

    const views = await inBatches(requests, 20, async (r) => ({ r, view: (await this.statusOf(r.partner, r.correlationId)).body }));
    for (const { r, view } of views) {
      if (view?.status !== 'DELIVERED') problems.push(`${r.correlationId}: status ${view?.status}`);
      if (options.ordering === 'per-test') {
        const timeline = ((view?.timeline ?? []) as { status: string }[]).map((t) => t.status);
        const allowed = ['RECEIVED', ...expectedSequence.filter((step) => !step.includes(':')), 'DELIVERED'];
        if (subsequenceBreak(timeline, allowed)) problems.push(`${r.correlationId}: timeline went backwards or off course: ${timeline.join(' > ')}`);
      }
    }
    return problems;
  }
}

