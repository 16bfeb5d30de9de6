import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('items submitted while a flush runs go out together in the next one, each caller gets its own result', async () => {
    const flushes: number[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommit<number, number>(async (items) => {
      flushes.push(items);
      if (flushes.length === 1) await gate;
      return items.map((i) => i * 10);
    });
    const first = gc.submit(1);
    await new Promise((r) => setImmediate(r));
    const rest = [2, 3, 4].map((i) => gc.submit(i));
    release();
    assert.deepEqual(await Promise.all([first, ...rest]), [10, 20, 30, 40]);
    assert.deepEqual(flushes, [[1], [2, 3, 4]]);
  });

  it('a failed batch is retried item by item, so only the bad item fails (isolateFailures)', async () => {
    const gc = new GroupCommit<number, number>(async (items) => {
      if (items.includes(2)) throw new Error(`bad batch ${items.join(',')}`);
      return items;
    });
    const results = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  });

  it('without isolateFailures every item of a failed batch fails with the batch error', async () => {
    let calls = 0;
    const gc = new GroupCommit<number, number>(
      async () => {
        calls++;
        throw new Error('broker down');
      },
      { isolateFailures: false },
    );
    const results = await Promise.allSettled([1, 2, 3].map((i) => gc.submit(i)));
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.equal(calls, 1);
  });
});
