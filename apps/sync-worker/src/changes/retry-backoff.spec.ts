import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaJSConnectionError } from 'kafkajs';
import { attemptWithBackoff, retryBackoffMs, WorkerStoppingError } from './retry-backoff';

describe('retryBackoffMs', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => retryBackoffMs(a, 200, 2_000)),
      [200, 400, 800, 1_600, 2_000, 2_000],
    );
  });

  it('stays at the cap after any number of attempts (an outage of hours)', () => {
    assert.equal(retryBackoffMs(10_000, 200, 5_000), 5_000);
  });
});

describe('attemptWithBackoff', () => {
  const policy = { WORKER_MAX_ATTEMPTS: 3, WORKER_RETRY_INITIAL_MS: 1, WORKER_RETRY_MAX_MS: 2 };
  const outage = () => new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' });

  function run(failures: Array<() => Error>, signal?: AbortSignal) {
    const failed: Array<[number, boolean]> = [];
    let calls = 0;
    let heartbeats = 0;
    const result = attemptWithBackoff(
      policy,
      async () => {
        const next = failures[calls++];
        if (next) throw next();
      },
      {
        onFailure: (n, _error, infrastructure) => failed.push([n, infrastructure]),
        heartbeat: async () => {
          heartbeats++;
        },
      },
      signal,
    );
    return { result, failed, calls: () => calls, heartbeats: () => heartbeats };
  }

  it('retries an infrastructure outage far beyond WORKER_MAX_ATTEMPTS, heartbeating, until it succeeds', async () => {
    const { result, failed, calls, heartbeats } = run(Array.from({ length: 20 }, () => outage));
    assert.equal(await result, undefined);
    assert.equal(calls(), 21);
    assert.equal(heartbeats(), 20);
    assert.ok(failed.every(([, infrastructure]) => infrastructure));
  });

  it('gives up on other errors after WORKER_MAX_ATTEMPTS, returning the last one', async () => {
    const { result, failed, calls } = run(Array.from({ length: 10 }, (_, i) => () => new Error(`bad record #${i + 1}`)));
    const error = await result;
    assert.equal(error?.message, 'bad record #3');
    assert.equal(calls(), 3);
    assert.deepEqual(failed, [
      [1, false],
      [2, false],
      [3, false],
    ]);
  });

  it('counts only the non-infrastructure failures against the budget', async () => {
    const bad = () => new Error('bad record');
    const { result, calls } = run([bad, outage, outage, bad, outage, bad, outage]);
    assert.equal((await result)?.message, 'bad record');
    assert.equal(calls(), 6);
  });

  it('ends a retry wait at once with WorkerStoppingError when the app shuts down', async () => {
    const stopping = new AbortController();
    const slow = { ...policy, WORKER_RETRY_INITIAL_MS: 60_000, WORKER_RETRY_MAX_MS: 60_000 };
    let calls = 0;
    const result = attemptWithBackoff(
      slow,
      async () => {
        calls++;
        throw outage();
      },
      { onFailure: () => undefined, heartbeat: async () => undefined },
      stopping.signal,
    );
    await new Promise((r) => setImmediate(r));
    stopping.abort();
    await assert.rejects(result, WorkerStoppingError);
    assert.equal(calls, 1);
  });

  it('does not wait for a hanging heartbeat once the app shuts down', async () => {
    const stopping = new AbortController();
    const result = attemptWithBackoff(
      policy,
      async () => {
        throw outage();
      },
      { onFailure: () => undefined, heartbeat: () => new Promise<void>(() => undefined) },
      stopping.signal,
    );
    await new Promise((r) => setTimeout(r, 20));
    stopping.abort();
    await assert.rejects(result, WorkerStoppingError);
  });

  it('does not start an attempt after shutdown began', async () => {
    const stopping = new AbortController();
    stopping.abort();
    const { result, calls } = run([], stopping.signal);
    await assert.rejects(result, WorkerStoppingError);
    assert.equal(calls(), 0);
  });
});
