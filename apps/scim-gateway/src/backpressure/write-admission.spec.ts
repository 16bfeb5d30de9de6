import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteAdmission, type Admission } from './write-admission';

function release(a: Admission): void {
  assert.ok(a.admitted, 'expected admission');
  a.release();
}

describe(WriteAdmission.name, () => {
  it('admits up to maxConcurrent at once, queues up to maxQueued, refuses the rest at once', async () => {
    const sut = new WriteAdmission({ maxConcurrent: 2, maxQueued: 1, maxWaitMs: 60_000 });
    const first = await sut.acquire();
    const second = await sut.acquire();
    assert.ok(first.admitted && second.admitted);
    const queued = sut.acquire();
    assert.deepEqual(await sut.acquire(), { admitted: false, reason: 'queue-full' });
    assert.equal(sut.queued, 1);
    release(first);
    const third = await queued;
    assert.ok(third.admitted, 'the queued write gets the released slot');
    assert.equal(sut.inFlight, 2);
    release(second);
    release(third);
    assert.equal(sut.inFlight, 0);
  });

  it('refuses a queued write whose wait runs out, and forgets it', async () => {
    const sut = new WriteAdmission({ maxConcurrent: 1, maxQueued: 5, maxWaitMs: 10 });
    const holder = await sut.acquire();
    assert.deepEqual(await sut.acquire(), { admitted: false, reason: 'queue-timeout' });
    assert.equal(sut.queued, 0);
    release(holder);
    assert.equal(sut.inFlight, 0);
  });

  it('serves waiters in arrival order and ignores a second release', async () => {
    const sut = new WriteAdmission({ maxConcurrent: 1, maxQueued: 3, maxWaitMs: 60_000 });
    const holder = await sut.acquire();
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => sut.acquire().then((a) => (order.push(n), a)));
    assert.ok(holder.admitted);
    holder.release();
    holder.release();
    const one = await waiting[0];
    release(one);
    release(await waiting[1]);
    release(await waiting[2]);
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(sut.inFlight, 0);
  });
});
