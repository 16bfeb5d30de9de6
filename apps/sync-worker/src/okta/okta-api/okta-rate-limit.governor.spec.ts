import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OktaRateLimitGovernor } from './okta-rate-limit.governor';

describe(OktaRateLimitGovernor.name, () => {
  const org = 'https://example.okta.com';
  const now = 1_800_000_000_000;
  const reset = now / 1000 + 60;
  const noJitter = () => 0;

  it('lets the first request through, then at most floor(limit × share) per window', () => {
    const sut = new OktaRateLimitGovernor(noJitter);
    assert.equal(sut.delayMs(org, 0.5, now), 0);
    sut.observe(org, 200, { limit: '10', remaining: '9', reset: String(reset) }, now);
    const allowed: number[] = [];
    for (let i = 0; i < 10; i++) {
      if (sut.delayMs(org, 0.5, now) > 0) break;
      allowed.push(i);
      // what acquire() counts, then the response
      (sut as unknown as { windows: Map<string, { used: number }> }).windows.get(org)!.used++;
      sut.observe(org, 200, { limit: '10', remaining: String(8 - i), reset: String(reset) }, now);
    }
    assert.equal(allowed.length + 1, 5, 'five per window of ten at share 0.5');
    assert.equal(sut.delayMs(org, 0.5, now), 60_000, 'then waits for the reset');
    assert.equal(sut.delayMs(org, 0.5, now + 60_000), 0, 'a new window');
  });

  it('a 429 waits until the reset, with jitter, even with budget left', () => {
    const sut = new OktaRateLimitGovernor(() => 0.5);
    sut.observe(org, 429, { limit: '600', remaining: '0', reset: String(reset) }, now);
    const delay = sut.delayMs(org, 1, now);
    assert.ok(delay >= 60_000 && delay <= 60_250, String(delay));
  });

  it('stops when Okta says nothing remains (other clients used the limit)', () => {
    const sut = new OktaRateLimitGovernor(noJitter);
    sut.observe(org, 200, { limit: '100', remaining: '0', reset: String(reset) }, now);
    assert.equal(sut.delayMs(org, 0.5, now), 60_000);
  });

  it('shifts the reset by a real clock skew from the Date header', () => {
    const sut = new OktaRateLimitGovernor(noJitter);
    // Okta's clock is 30 s behind ours: its reset, 60 s away on its clock, is 60 s away on ours too.
    sut.observe(org, 429, { limit: '10', remaining: '0', reset: String(reset - 30), date: new Date(now - 30_000).toUTCString() }, now);
    assert.equal(sut.delayMs(org, 1, now), 60_000);
  });

  it('exclusive() runs one request per org at a time', async () => {
    const sut = new OktaRateLimitGovernor(noJitter);
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        sut.exclusive(org, async () => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    assert.equal(most, 1);
  });
});
