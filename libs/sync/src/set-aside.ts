/**
 * Why a source row was set aside instead of synced: the rest of the run goes on, and an operator sees it.
 * - `invalid`: the row fails the entity's schema;
 * - `duplicate-key`: its key appears more than once in one page or snapshot (every occurrence is set aside,
 *   since nothing says which one is right, and the copy keeps what it had);
 * - `out-of-order`: the source returned it outside the range or order its paging contract promises.
 */
export type SetAsideKind = 'invalid' | 'duplicate-key' | 'out-of-order';

export interface SetAsideRow {
  entity: string;
  /** The row's key when it could be read, else null. */
  key: string | null;
  kind: SetAsideKind;
  reason: string;
  /** The row as the source sent it, for the operator. */
  raw: unknown;
}
