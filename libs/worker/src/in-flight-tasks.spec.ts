import { InFlightTasks } from './in-flight-tasks';

function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('InFlightTasks', () => {
  it('counts tasks, reports each end with the remaining size, and swallows a rejection', async () => {
    const sizes: number[] = [];
    const tasks = new InFlightTasks((size) => sizes.push(size));
    const a = deferred();
    const b = deferred();
    tasks.add(a.promise);
    tasks.add(b.promise);
    expect(tasks.size).toBe(2);
    b.reject(new Error('handled by the worker'));
    await tasks.oneSettled();
    expect(tasks.size).toBe(1);
    a.resolve();
    await tasks.allSettled();
    expect(tasks.size).toBe(0);
    expect(sizes).toEqual([1, 0]);
  });

  it('oneSettled waits for a task to end, and returns at once when none runs', async () => {
    const tasks = new InFlightTasks();
    await tasks.oneSettled();
    const a = deferred();
    tasks.add(a.promise);
    let freed = false;
    const waiting = tasks.oneSettled().then(() => (freed = true));
    await new Promise((r) => setImmediate(r));
    expect(freed).toBe(false);
    a.resolve();
    await waiting;
    expect(freed).toBe(true);
  });
});
