import type { CatalogEntry } from '@labsync/contracts';
import { planCatalogPush } from './catalog-push-plan';

const lead: CatalogEntry = { code: 'LEAD', name: 'Lead (ICP-MS)', matrix: null, unit: 'µg/L', turnaroundHours: 72, priceCents: 4500, active: true, updatedAt: '2026-11-20T10:00:00Z' };
const upserted = (entity: CatalogEntry) => ({ kind: 'upserted' as const, entityId: entity.code, entity });
const deleted = { kind: 'deleted' as const, entityId: 'LEAD', deletedAt: '2026-11-21T10:00:00Z', detectedBy: 'source' as const };
/** The portal's copy as its API shows it: the lab's fields as sent (stamp normalised), plus its own. */
const portalCopy = (entity: CatalogEntry, own: { displayName: string | null; featured: boolean }) => ({ ...entity, updatedAt: new Date(entity.updatedAt).toISOString(), ...own });

describe('planCatalogPush (direct push of one catalog change)', () => {
  it('writes a new test with the lab fields only', () => {
    expect(planCatalogPush(upserted(lead), 'retire', undefined)).toEqual({ write: { action: 'put', body: lead }, outcome: 'written' });
  });

  it('keeps the portal-only fields when the lab changes a test', () => {
    const current = portalCopy(lead, { displayName: 'Lead in water', featured: true });
    const plan = planCatalogPush(upserted({ ...lead, priceCents: 5000 }), 'retire', current);
    expect(plan).toEqual({ write: { action: 'put', body: { ...lead, priceCents: 5000, displayName: 'Lead in water', featured: true } }, outcome: 'written' });
  });

  it('writes nothing when the copy already matches, also when only the stamp moved', () => {
    const current = portalCopy(lead, { displayName: null, featured: false });
    expect(planCatalogPush(upserted(lead), 'retire', current).outcome).toBe('unchanged');
    expect(planCatalogPush(upserted({ ...lead, updatedAt: '2026-11-22T00:00:00Z' }), 'retire', current).outcome).toBe('unchanged');
  });

  it('follows CATALOG_SYNC_DELETES for a delete, and writes nothing when the portal has no such record', () => {
    const current = portalCopy(lead, { displayName: 'Lead in water', featured: true });
    expect(planCatalogPush(deleted, 'delete', current)).toEqual({ write: { action: 'delete' }, outcome: 'deleted' });
    expect(planCatalogPush(deleted, 'retire', current)).toEqual({ write: { action: 'put', body: { ...current, active: false } }, outcome: 'retired' });
    expect(planCatalogPush(deleted, 'ignore', current).outcome).toBe('unchanged');
    for (const policy of ['delete', 'retire', 'ignore'] as const) expect(planCatalogPush(deleted, policy, undefined).outcome).toBe('unchanged');
  });

  it('does not retire a record twice', () => {
    expect(planCatalogPush(deleted, 'retire', portalCopy({ ...lead, active: false }, { displayName: null, featured: false })).outcome).toBe('unchanged');
  });
});
