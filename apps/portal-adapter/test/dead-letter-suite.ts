import { randomUUID } from 'node:crypto';
import { notificationIdFor } from '@labsync/contracts';
import { FakePortal, httpJson, sql, waitFor } from '@labsync/testing';
import { LIFECYCLE, NOTIFIED_SEQS, snapshotsOf } from './correlation-snapshots';
import { PortalAdapterUnderTest } from './portal-adapter-under-test';

export const OPERATOR_KEY = 'operator-key-for-dead-letter-tests';
export const MAX_ATTEMPTS = 3;
export const ACME = { id: 'acme', apiKey: 'acme-dl-api-key', callbackSecret: 'acme-dl-callback-secret' };
export const GLOBEX = { id: 'globex', apiKey: 'globex-dl-api-key', callbackSecret: 'globex-dl-callback-secret' };

/**
 * The portal-adapter the dead-letter suites drive (registered in the calling describe's beforeAll and
 * afterAll): a portal that fails the correlations in `portal.failing`, CALLBACK_MAX_ATTEMPTS of 3, fast retries.
 */
export function deadLetterSuite(label: string) {
  const portal = new FakePortal({ acme: ACME.callbackSecret, globex: GLOBEX.callbackSecret });
  const run = new PortalAdapterUnderTest({
    label,
    partners: [ACME, GLOBEX],
    portal,
    // These tests fail callbacks on purpose; every attempt would log a warning and every dead letter an error.
    logLevel: 'fatal',
    settings: {
      OPERATOR_API_KEY: OPERATOR_KEY,
      CALLBACK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      CALLBACK_RETRY_BASE_MS: '10',
      CALLBACK_RETRY_MAX_MS: '40',
      CALLBACK_TIMEOUT_MS: '3000',
      CALLBACK_CONCURRENCY: '4',
      CALLBACK_POLL_MS: '100',
    },
  });
  beforeAll(() => run.start());
  afterAll(() => run.stop());

  const operator = { authorization: `Bearer ${OPERATOR_KEY}` };
  const rows = (correlationId: string) =>
    sql<{ seq: number; state: string; attempts: number; dead_at: Date | null; last_error: string | null; replays: number }>(
      `SELECT seq, state, attempts, dead_at, last_error, replays FROM "${run.schema}".callback_deliveries WHERE correlation_id = $1 ORDER BY seq`,
      [correlationId],
    );
  const stateOf = async (correlationId: string, seq: number) => (await rows(correlationId)).find((r) => r.seq === seq)?.state;
  const publishLifecycle = (correlationId: string, partnerId: string) => run.publishSnapshots(snapshotsOf(correlationId, partnerId, `PR-${correlationId.slice(0, 8)}`, LIFECYCLE));

  return {
    run,
    portal,
    operator,
    get url() {
      return run.url;
    },
    listDead: (query = '', headers: Record<string, string> = operator) => httpJson('GET', `${run.url}/v1/operator/dead-letters${query}`, undefined, headers),
    replay: (notificationId: string, headers: Record<string, string> = operator) =>
      httpJson('POST', `${run.url}/v1/operator/dead-letters/${notificationId}/replay`, undefined, headers),
    replayMatching: (body: unknown, headers: Record<string, string> = operator) => httpJson('POST', `${run.url}/v1/operator/dead-letters/replay`, body, headers),
    cliEnv: () => ({ PORTAL_ADAPTER_URL: run.url, OPERATOR_API_KEY: OPERATOR_KEY }),
    rows,
    stateOf,
    metric: (line: RegExp) => run.metric(line),
    publishLifecycle,

    /** A correlation whose portal answers 500: its first notification (seq 2) is dead-lettered. */
    async deadCorrelation(partnerId = 'acme'): Promise<string> {
      const correlationId = randomUUID();
      portal.failing.add(correlationId);
      await publishLifecycle(correlationId, partnerId);
      await waitFor(async () => (await stateOf(correlationId, 2)) === 'DEAD', { what: `seq 2 of ${correlationId} to be dead-lettered` });
      return correlationId;
    },

    /** The portal acknowledged each notification of the correlation exactly once, in seq order, none overlapping. */
    expectDeliveredOnceInOrder(correlationId: string): void {
      const expected = NOTIFIED_SEQS.map((seq) => notificationIdFor(correlationId, seq));
      expect(portal.acknowledgedIds(correlationId)).toEqual(expected);
      const seqOf = new Map(expected.map((id, i) => [id, NOTIFIED_SEQS[i]!]));
      const attempted = portal.of(correlationId).map((a) => seqOf.get(a.eventId)!);
      expect(attempted).toEqual([...attempted].sort((a, b) => a - b));
      expect(portal.of(correlationId).every((a) => a.concurrent === 1)).toBe(true);
    },
  };
}
