import fc from 'fast-check';
import { stagedSidesArbitrary } from './fixtures/catalog-entity';
import type { DeletePolicy } from './modes';
import { classifyStaged, countActions, writesTarget, type StagedDecision, type StagedSides, type StagedTargetRecord } from './staged-diff';

const policy = fc.constantFrom<DeletePolicy>('delete', 'retire', 'ignore');

/** What the push runner does with a classification: the target and the ledger after its writes. */
function applyDecisions(sides: StagedSides, decisions: readonly StagedDecision[]): StagedSides {
  const target = new Map(sides.target);
  const synced = new Set(sides.synced);
  for (const { key, action } of decisions) {
    const current = target.get(key);
    switch (action) {
      case 'create':
      case 'update':
      case 'recreate':
        target.set(key, { hash: sides.source.get(key)!, origin: current?.origin ?? 'sync', retired: false });
        synced.add(key);
        break;
      case 'retire':
        target.set(key, { hash: `retired:${current!.hash}`, origin: current!.origin, retired: true });
        break;
      case 'delete':
        target.delete(key);
        synced.delete(key);
        break;
      case 'forget':
        synced.delete(key);
        break;
    }
  }
  return { source: sides.source, target, synced };
}

describe('classifyStaged', () => {
  const sync: StagedTargetRecord = { hash: 'h1', origin: 'sync', retired: false };
  const portal: StagedTargetRecord = { hash: 'h1', origin: 'target', retired: false };

  it('classifies every case of the full outer join', () => {
    const sides: StagedSides = {
      source: new Map([
        ['same', 'h1'],
        ['edited', 'h2'],
        ['new', 'h1'],
        ['gone-from-portal', 'h1'],
        ['portal-made-too', 'h2'],
      ]),
      target: new Map([
        ['same', sync],
        ['edited', sync],
        ['retired-in-lab', sync],
        ['portal-made', portal],
        ['portal-made-too', portal],
        ['written-before', portal],
      ]),
      synced: new Set(['same', 'edited', 'gone-from-portal', 'written-before', 'gone-everywhere']),
    };
    const byKey = (decisions: StagedDecision[]) => Object.fromEntries(decisions.map((d) => [d.key, `${d.class}/${d.action}`]));
    expect(byKey(classifyStaged(sides, 'retire'))).toEqual({
      same: 'unchanged/none',
      edited: 'changed/update',
      new: 'missing/create',
      'gone-from-portal': 'deleted-in-target/recreate',
      'portal-made-too': 'changed/update',
      'retired-in-lab': 'deleted-in-source/retire',
      'written-before': 'deleted-in-source/retire',
      'portal-made': 'target-only/keep',
      'gone-everywhere': 'deleted-in-both/forget',
    });
    expect(byKey(classifyStaged(sides, 'delete'))['retired-in-lab']).toBe('deleted-in-source/delete');
    expect(byKey(classifyStaged(sides, 'ignore'))['retired-in-lab']).toBe('deleted-in-source/ignore');
  });

  it('does not retire again a record that is already retired', () => {
    const sides: StagedSides = { source: new Map(), target: new Map([['X', { hash: 'h', origin: 'sync', retired: true }]]), synced: new Set(['X']) };
    expect(classifyStaged(sides, 'retire')).toEqual([{ key: 'X', class: 'deleted-in-source', action: 'none' }]);
    expect(classifyStaged(sides, 'delete')).toEqual([{ key: 'X', class: 'deleted-in-source', action: 'delete' }]);
  });

  it('classifies nothing for empty sides, and one row on its own', () => {
    expect(classifyStaged({ source: new Map(), target: new Map(), synced: new Set() }, 'delete')).toEqual([]);
    expect(classifyStaged({ source: new Map([['鉛', 'h']]), target: new Map(), synced: new Set() }, 'delete')).toEqual([{ key: '鉛', class: 'missing', action: 'create' }]);
  });

  it('classifies each key of either side or the ledger exactly once, in key order', () => {
    fc.assert(
      fc.property(stagedSidesArbitrary, policy, (sides, deletes) => {
        const keys = classifyStaged(sides, deletes).map((d) => d.key);
        expect(new Set(keys)).toEqual(new Set([...sides.source.keys(), ...sides.target.keys(), ...sides.synced]));
        expect(keys).toHaveLength(new Set(keys).size);
      }),
    );
  });

  it('a rerun after the writes over unchanged data writes nothing, and records only the target has are never touched', () => {
    fc.assert(
      fc.property(stagedSidesArbitrary, policy, (sides, deletes) => {
        const first = classifyStaged(sides, deletes);
        const after = applyDecisions(sides, first);
        const rerun = classifyStaged(after, deletes);
        expect(rerun.filter((d) => writesTarget(d.action) || d.action === 'forget')).toEqual([]);
        for (const d of first.filter((d) => d.class === 'target-only')) expect(after.target.get(d.key)).toEqual(sides.target.get(d.key));
        for (const [key, hash] of sides.source) expect(after.target.get(key)?.hash).toBe(hash);
      }),
      { numRuns: 300 },
    );
  });

  it('counts actions for the run summary', () => {
    const counts = countActions([
      { key: 'a', class: 'missing', action: 'create' },
      { key: 'b', class: 'missing', action: 'create' },
      { key: 'c', class: 'target-only', action: 'keep' },
    ]);
    expect(counts).toMatchObject({ create: 2, keep: 1, update: 0 });
  });
});
