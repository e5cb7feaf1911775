import type { LabCallResult } from '../lab-orders/lab-api';

/** What came back from one read of the lab's change feed, before anyone decided what it means. */
export type LabChangesCall = LabCallResult;

/**
 * The lab's change feed as the poller sees it (`GET /api/orders/changes?since=<cursor>&limit=<n>` over HTTP:
 * HttpLabChangesFeed). `since` null reads from the lab's first change. Implementations never throw for lab or
 * network failures: they report them.
 */
export interface LabChangesFeed {
  fetchChanges(since: string | null, limit: number): Promise<LabChangesCall>;
}

export const LAB_CHANGES_FEED = Symbol('LAB_CHANGES_FEED');
