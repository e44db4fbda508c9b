import { describe, expect, it } from 'vitest';
import { SerialQueue } from './serialQueue';

/** A promise the test settles by hand, to hold a task mid-run. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SerialQueue', () => {
  it('starts a task only after the one before it settles, in queue order', async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    const gate = deferred();
    const first = queue.run(async () => {
      events.push('first start');
      await gate.promise;
      events.push('first end');
      return 1;
    });
    const second = queue.run(async () => {
      events.push('second start');
      return 2;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['first start']);
    gate.resolve();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(events).toEqual(['first start', 'first end', 'second start']);
  });

  it("rejects only the failing task's caller; the next task still runs", async () => {
    const queue = new SerialQueue();
    const failed = queue.run(async () => {
      throw new Error('boom');
    });
    const next = queue.run(async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('turns a task that throws synchronously into a rejection, not a throw from run()', async () => {
    const queue = new SerialQueue();
    const task = (() => {
      throw new TypeError('sync');
    }) as unknown as () => Promise<void>;
    const result = queue.run(task);
    await expect(result).rejects.toThrow('sync');
    await expect(queue.run(async () => 3)).resolves.toBe(3);
  });
});
