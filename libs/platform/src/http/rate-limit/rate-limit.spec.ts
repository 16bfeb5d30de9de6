import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isExemptFromRateLimits, trustProxySetting } from './http-rate-limits';
import { BoundedKeyMap, FailureThrottle, TokenBucketLimiter } from './token-bucket';

describe(TokenBucketLimiter.name, () => {
  it('allows a burst, then the sustained rate, and says how long to wait', () => {
    const sut = new TokenBucketLimiter({ ratePerSecond: 2, burst: 3, maxKeys: 10 });
    for (let i = 0; i < 3; i++) assert.equal(sut.take('a', 0).allowed, true);
    assert.deepEqual(sut.take('a', 0), { allowed: false, retryAfterSeconds: 1 });
    assert.equal(sut.take('a', 500).allowed, true, 'one token back after half a second at 2/s');
    assert.equal(sut.take('a', 500).allowed, false);
    assert.equal(sut.take('b', 500).allowed, true, 'keys have separate buckets');
  });

  it('rounds Retry-After up for slow rates', () => {
    const sut = new TokenBucketLimiter({ ratePerSecond: 0.1, burst: 1, maxKeys: 10 });
    sut.take('a', 0);
    assert.deepEqual(sut.take('a', 0), { allowed: false, retryAfterSeconds: 10 });
  });

  it('tracks at most maxKeys keys, dropping the least recently used (a flood of addresses cannot grow memory)', () => {
    const sut = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 100 });
    sut.take('hot', 0);
    for (let i = 0; i < 10_000; i++) {
      sut.take(`flood-${i}`, 0);
      if (i % 20 === 0) sut.take('hot', 0); // recently used: stays tracked, still empty
    }
    assert.ok(sut.size <= 100, `tracked ${sut.size}`);
    assert.equal(sut.take('hot', 0).allowed, false, 'the active key kept its (empty) bucket');
  });
});

describe(BoundedKeyMap.name, () => {
  it('keeps at most maxKeys keys, the recently used ones, ', () => {
    const sut = new BoundedKeyMap<number>(1_000);
    sut.set('keep', 1);
    for (let i = 0; i < 200_000; i++) {
      sut.set(`k${i}`, i);
      if (i % 100 === 0) assert.equal(sut.get('keep'), 1);
    }
    assert.ok(sut.size <= 1_000);
    assert.equal(sut.get('keep'), 1, 'a key used all along survives the flood');
    assert.equal(sut.get('k0'), undefined, 'an old key was dropped');
  });
});

describe(FailureThrottle.name, () => {
  it('blocks a key after maxFailures within the window, reports the block once, and forgets it after the window', () => {
    const sut = new FailureThrottle({ maxFailures: 3, windowMs: 60_000, maxKeys: 10 });
    assert.deepEqual(sut.recordFailure('ip', 0), { count: 1, blockedNow: false });
    assert.deepEqual(sut.recordFailure('ip', 1_000), { count: 2, blockedNow: false });
    assert.equal(sut.check('ip', 1_000).allowed, true);
    assert.deepEqual(sut.recordFailure('ip', 2_000), { count: 3, blockedNow: true });
    assert.deepEqual(sut.check('ip', 30_000), { allowed: false, retryAfterSeconds: 30 });
    assert.equal(sut.recordFailure('ip', 30_000).blockedNow, false, 'the block is reported once per window');
    assert.equal(sut.check('other', 30_000).allowed, true);
    assert.equal(sut.check('ip', 60_000).allowed, true, 'a new window');
    assert.deepEqual(sut.recordFailure('ip', 60_001), { count: 1, blockedNow: false });
  });

  it('tracks at most maxKeys keys', () => {
    const sut = new FailureThrottle({ maxFailures: 1, windowMs: 60_000, maxKeys: 50 });
    for (let i = 0; i < 5_000; i++) sut.recordFailure(`ip-${i}`, 0);
    assert.ok(sut.size <= 50, `tracked ${sut.size}`);
  });
});

describe('rate-limit settings', () => {
  it('exempts health and metrics only', () => {
    for (const path of ['/health', '/health/live', '/health/ready', '/metrics']) assert.equal(isExemptFromRateLimits(path), true, path);
    for (const path of ['/scim/v2/Users', '/admin/tenants', '/healthz', '/metrics/x', '/console']) assert.equal(isExemptFromRateLimits(path), false, path);
  });

  it('reads TRUST_PROXY as off, a hop count or an address list', () => {
    assert.equal(trustProxySetting(''), undefined);
    assert.equal(trustProxySetting(' 2 '), 2);
    assert.equal(trustProxySetting('loopback, 10.0.0.0/8'), 'loopback, 10.0.0.0/8');
  });
});
