import { planWatermarkPage } from './watermark-page';

const row = (code: string, updatedAt: string, name = `Test ${code}`) => ({ code, name, matrix: null, unit: 'mg/L', turnaroundHours: 24, priceCents: 100, active: true, updatedAt });
const T1 = '2026-11-20T08:00:00.000Z';
const T2 = '2026-11-20T08:00:01.000Z';

describe('planWatermarkPage', () => {
  it('upserts the page and moves the cursor to its last position, ties included', () => {
    const plan = planWatermarkPage({ updatedAt: T1, key: 'A' }, [row('B', T1), row('C', T1), row('A', T2)], 3, true);
    expect(plan).toMatchObject({ kind: 'page', cursor: { updatedAt: T2, key: 'A' }, exhausted: false, setAside: [] });
    expect(plan.kind === 'page' && plan.upserts.map((u) => u.key)).toEqual(['B', 'C', 'A']);
  });

  it('moves past an invalid row and sets it aside; a short page is the last', () => {
    const plan = planWatermarkPage(null, [row('A', T1), row('B', T2, '')], 5);
    expect(plan).toMatchObject({ kind: 'page', cursor: { updatedAt: T2, key: 'B' }, exhausted: true });
    expect(plan.kind === 'page' && plan.setAside.map((s) => [s.key, s.kind])).toEqual([['B', 'invalid']]);
    expect(plan.kind === 'page' && plan.upserts.map((u) => u.key)).toEqual(['A']);
  });

  it('sets aside a code twice in one page and a row behind the cursor', () => {
    const plan = planWatermarkPage({ updatedAt: T1, key: 'M' }, [row('A', T1), row('X', T2), row('X', T2)], 5);
    expect(plan.kind === 'page' && plan.setAside.map((s) => [s.key, s.kind]).sort()).toEqual([['A', 'out-of-order'], ['X', 'duplicate-key'], ['X', 'duplicate-key']]);
    expect(plan.kind === 'page' && plan.upserts).toEqual([]);
  });

  it('refuses a full page with nothing after the cursor instead of reading it forever', () => {
    expect(planWatermarkPage({ updatedAt: T2, key: 'Z' }, [row('A', T1)], 1, true).kind).toBe('stuck');
    expect(planWatermarkPage(null, [{ code: 'A' }], 1).kind).toBe('stuck');
  });
});
