import { quoteIdentifier, stagedClassificationSql } from './staged-diff-sql';
import type { DeletePolicy } from './modes';

describe('stagedClassificationSql', () => {
  const tables = { schema: 'lab_adapter', source: 'catalog_stage_source', target: 'catalog_stage_target', synced: 'catalog_synced' };

  it('names the three tables, quoted, and puts the delete policy in the deleted-in-source branch', () => {
    const sql = stagedClassificationSql(tables, 'delete');
    expect(sql).toContain('FROM "lab_adapter"."catalog_stage_source" s');
    expect(sql).toContain('FULL JOIN "lab_adapter"."catalog_synced" y');
    expect(sql).toContain(`WHEN 'deleted-in-source' THEN 'delete'`);
    expect(stagedClassificationSql(tables, 'retire')).toContain(`CASE WHEN c.retired THEN 'none' ELSE 'retire' END`);
  });

  it('refuses a policy that is not one of delete, retire, ignore (it is written into the SQL)', () => {
    expect(() => stagedClassificationSql(tables, "delete' OR 1=1 --" as DeletePolicy)).toThrow(RangeError);
  });
});

describe('quoteIdentifier', () => {
  it('doubles embedded quotes and refuses empty names', () => {
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"');
    expect(() => quoteIdentifier('')).toThrow(RangeError);
  });
});
