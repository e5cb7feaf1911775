import { SyncWaitSlots } from './sync-wait-slots';

describe('SyncWaitSlots', () => {
  it('holds at most perPartner waits for one partner, others unaffected', () => {
    const slots = new SyncWaitSlots(2, 10);
    const first = slots.tryAcquire('acme');
    expect(first).not.toBeNull();
    expect(slots.tryAcquire('acme')).not.toBeNull();
    expect(slots.tryAcquire('acme')).toBeNull();
    expect(slots.tryAcquire('globex')).not.toBeNull();
    first!();
    expect(slots.tryAcquire('acme')).not.toBeNull();
  });

  it('holds at most total waits for the replica', () => {
    const slots = new SyncWaitSlots(5, 3);
    const taken = ['a', 'b', 'c'].map((p) => slots.tryAcquire(p));
    expect(taken.every(Boolean)).toBe(true);
    expect(slots.tryAcquire('d')).toBeNull();
    taken[0]!();
    expect(slots.tryAcquire('d')).not.toBeNull();
  });

  it('gives a slot back once however often it is released', () => {
    const slots = new SyncWaitSlots(1, 1);
    const release = slots.tryAcquire('acme')!;
    release();
    release();
    expect(slots.tryAcquire('acme')).not.toBeNull();
    expect(slots.tryAcquire('globex')).toBeNull();
  });
});
