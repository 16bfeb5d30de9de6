import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { retryBackoffMs } from './retry-backoff';

describe('retryBackoffMs', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => retryBackoffMs(a, 200, 2_000)),
      [200, 400, 800, 1_600, 2_000, 2_000],
    );
  });
});
