import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OktaProfileCache } from './okta-profile.cache';

describe(OktaProfileCache.name, () => {
  const profile = { status: 'ACTIVE', profile: { login: 'ada@example.com' } };
  const t0 = 1_800_000_000_000;

  it('serves repeated events of one user from one fetch, until the TTL', () => {
    const sut = new OktaProfileCache(60_000);
    sut.set('t', 'u', profile, t0);
    assert.deepEqual(sut.get('t', 'u', { publishedMs: t0 + 10_000, changesUser: false }, t0 + 10_000), profile);
    assert.equal(sut.get('t', 'u', { publishedMs: t0, changesUser: false }, t0 + 60_000), undefined, 'expired');
    assert.equal(sut.get('t', 'other', { publishedMs: t0, changesUser: false }, t0), undefined);
    assert.equal(sut.get('other', 'u', { publishedMs: t0, changesUser: false }, t0), undefined, 'per tenant');
  });

  it('an event that changes the user and happened after the fetch invalidates it', () => {
    const sut = new OktaProfileCache(60_000);
    sut.set('t', 'u', profile, t0);
    assert.deepEqual(sut.get('t', 'u', { publishedMs: t0 - 60_000, changesUser: true }, t0 + 1), profile, 'long before the fetch: reflected');
    assert.equal(sut.get('t', 'u', { publishedMs: t0 + 1_000, changesUser: true }, t0 + 2_000), undefined);
    assert.equal(sut.get('t', 'u', { publishedMs: t0, changesUser: false }, t0 + 2_000), undefined, 'gone for everyone');
  });

  it('a TTL of 0 caches nothing', () => {
    const sut = new OktaProfileCache(0);
    sut.set('t', 'u', profile, t0);
    assert.equal(sut.get('t', 'u', { publishedMs: t0, changesUser: false }, t0), undefined);
  });
});
