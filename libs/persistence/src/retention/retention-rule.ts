import { quoteIdent } from '../data-source';

/**
 * What may be deleted from one bookkeeping table, and after how long. `deleteBatch` is one DELETE of at most
 * $2 rows older than $1 milliseconds; the pruner repeats it until a batch comes back short.
 */
export interface RetentionRule {
  /** The table's name, as the metric and the logs show it. */
  table: string;
  retentionMs: number;
  deleteBatch: string;
}

/**
 * A rule deleting rows whose `column` is older than the retention, optionally only those matching `alsoWhere`
 * (SQL over the table aliased `t`). Small batches by ctid keep each transaction short, so the pruner never
 * holds locks the hot path waits for.
 */
export function olderThan(schema: string, table: string, column: string, retentionMs: number, alsoWhere?: string): RetentionRule {
  const qualified = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const condition = `t.${quoteIdent(column)} < now() - make_interval(secs => $1::double precision / 1000)${alsoWhere ? ` AND (${alsoWhere})` : ''}`;
  return {
    table,
    retentionMs,
    deleteBatch: `DELETE FROM ${qualified} WHERE ctid IN (SELECT t.ctid FROM ${qualified} t WHERE ${condition} LIMIT $2)`,
  };
}
